"""Migrations upgrade, downgrade and upgrade again on every backend, and match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from app.config import Settings
from app.db import create_engine
from app.migrate import downgrade, upgrade
from app.models import Base
from tests.conftest import POSTGRES_URL


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _diff(connection: Connection) -> list[object]:
    dialect = connection.dialect.name

    def on_this_dialect(item: object, name: str | None, kind: str, *_: object) -> bool:
        # Alembic compares an Index(...).ddl_if(dialect=...) on every dialect; SQLAlchemy
        # creates it on that one only (the messages' text indexes differ by dialect).
        condition = getattr(item, "_ddl_if", None) if kind == "index" else None
        return condition is None or condition.dialect in (None, dialect)

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": on_this_dialect}
    )
    return list(compare_metadata(context, Base.metadata))


@pytest.fixture
async def empty_database_url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    # Named after the test database so parallel runs on other databases do not collide.
    base, name = POSTGRES_URL.rsplit("/", 1)
    fresh = f"{name}_migrations"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{fresh}"'))
    await admin.dispose()
    return f"{base}/{fresh}"


async def test_upgrade_downgrade_upgrade(empty_database_url: str) -> None:
    engine = create_engine(Settings(database_url=empty_database_url))
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == set(Base.metadata.tables)
            assert await connection.run_sync(_diff) == []
            version = await connection.scalar(text("SELECT version FROM kb_state WHERE id = 1"))
            assert version == 0

        await downgrade(engine, "base")
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == set()

        await upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == set(Base.metadata.tables)
    finally:
        await engine.dispose()
