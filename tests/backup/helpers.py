"""What the backup tests check on any database: rows per table, orphans, a data fingerprint."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from app.backup.archive import Manifest
from app.backup.postgres import PREVIOUS_SCHEMA
from app.config import Settings
from app.models import Base
from app.outbox.models import OutboxItem

T = TypeVar("T")


def skip_without_pg_tools(backend: str) -> None:
    if backend == "postgres" and not shutil.which("pg_dump"):
        pytest.skip("PostgreSQL's client tools (pg_dump, pg_restore) are not installed")


async def _with_connection(url: str, job: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await job(connection)
    finally:
        await engine.dispose()


async def model_counts(url: str) -> dict[str, int]:
    """Rows per model table."""

    async def count(connection: AsyncConnection) -> dict[str, int]:
        return {
            table.name: (
                await connection.execute(select(func.count()).select_from(table))
            ).scalar_one()
            for table in Base.metadata.sorted_tables
        }

    return await _with_connection(url, count)


async def orphans(url: str) -> dict[str, int]:
    """Rows whose foreign key names a row that does not exist, for every foreign key of every
    model: a snapshot torn between two transactions shows up here (a message without its
    conversation, an outcome without its conversation, an outbox row without its message)."""

    async def find(connection: AsyncConnection) -> dict[str, int]:
        found: dict[str, int] = {}
        for table in Base.metadata.sorted_tables:
            for fk in table.foreign_keys:
                parent = fk.column.table
                sql = text(
                    f'SELECT count(*) FROM "{table.name}" c WHERE c."{fk.parent.name}" IS NOT NULL'
                    f' AND NOT EXISTS (SELECT 1 FROM "{parent.name}" p'
                    f' WHERE p."{fk.column.name}" = c."{fk.parent.name}")'
                )
                if n := (await connection.execute(sql)).scalar_one():
                    found[f"{table.name}.{fk.parent.name}"] = n
        return found

    return await _with_connection(url, find)


async def revision(url: str) -> str:
    async def read(connection: AsyncConnection) -> str:
        return str(
            (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        )

    return await _with_connection(url, read)


async def outbox_rows(url: str) -> list[tuple[object, ...]]:
    async def read(connection: AsyncConnection) -> list[tuple[object, ...]]:
        rows = await connection.execute(
            select(
                OutboxItem.id, OutboxItem.message_id, OutboxItem.status, OutboxItem.payload
            ).order_by(OutboxItem.id)
        )
        return [tuple(row) for row in rows]

    return await _with_connection(url, read)


def data_counts(manifest: Manifest) -> dict[str, int]:
    return {t: n for t, n in manifest.tables.items() if t != "alembic_version"}


async def restore_leftovers(settings: Settings) -> list[str]:
    """What a restore leaves behind when it fails: staging files beside a SQLite target, the
    set-aside schema on PostgreSQL. Nothing, when it cleans up as it should."""
    path = settings.sqlite_path()
    if path is not None:
        return [p.name for p in path.parent.iterdir() if ".restore-" in p.name]

    async def read(connection: AsyncConnection) -> list[str]:
        rows = await connection.execute(
            text("SELECT schema_name FROM information_schema.schemata WHERE schema_name = :s"),
            {"s": PREVIOUS_SCHEMA},
        )
        return [str(name) for name in rows.scalars()]

    return await _with_connection(settings.database_url, read)
