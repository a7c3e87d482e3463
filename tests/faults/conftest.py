"""Fixtures for the process-level tests: a database of their own (a fresh PostgreSQL database
per test on the test server, or a SQLite file), the fake Graph API, and router processes that
are always stopped."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import POSTGRES_URL
from tests.fakes.graph_api import FakeGraphApi
from tests.faults.harness import RouterProcess, router_env


async def admin_sql(statements: list[str]) -> None:
    """Run statements on the test server's maintenance database, outside a transaction
    (CREATE / DROP / ALTER DATABASE need that)."""
    url = make_url(POSTGRES_URL).set(database="postgres")
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture
def postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("PostgreSQL only (needs ROUTER_TEST_POSTGRES_URL)")


@pytest.fixture
async def service_db(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database the service migrates itself on start."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"
        return
    name = f"router_fault_{uuid.uuid4().hex[:10]}"
    await admin_sql([f'CREATE DATABASE "{name}"'])
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin_sql([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'])


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraphApi]:
    async with FakeGraphApi() as fake:
        yield fake


ProcessFactory = Callable[..., RouterProcess]


@pytest.fixture
def router_process(
    service_db: str, graph: FakeGraphApi, tmp_path: Path
) -> Iterator[ProcessFactory]:
    """Make router processes on the test's database (not started); all stopped at the end."""
    made: list[RouterProcess] = []

    def make(name: str = "router", **settings: str) -> RouterProcess:
        process = RouterProcess(
            env=router_env(service_db, graph.base_url, **settings), workdir=tmp_path, name=name
        )
        made.append(process)
        return process

    yield make
    for process in made:
        process.stop()
