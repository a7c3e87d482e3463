"""The PostgreSQL pool tests a connection only after it sat idle (``app.db.IDLE_PING_SECONDS``):
a connection the server dropped meanwhile is replaced before anyone uses it, and a busy
connection is not tested at every checkout."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import db
from app.config import Settings


@pytest.fixture
async def engine(backend: str, database_url: str) -> AsyncIterator[AsyncEngine]:
    if backend != "postgres":
        pytest.skip("PostgreSQL only: SQLite has no server to drop connections")
    engine = db.create_engine(Settings(database_url=database_url))
    try:
        yield engine
    finally:
        await engine.dispose()


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0)


async def _terminate(engine: AsyncEngine, pid: int) -> None:
    # From a connection of its own, outside the pool under test.
    async with engine.connect() as connection:
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def _count_pings(engine: AsyncEngine) -> list[int]:
    pings: list[int] = []
    dialect = engine.sync_engine.dialect
    original = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return original(dbapi_connection)

    dialect.do_ping = counted  # type: ignore[method-assign]
    return pings


async def test_an_idle_connection_the_server_dropped_is_replaced_before_use(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await _backend_pid(engine)
    other = db.create_engine(Settings(database_url=engine.url.render_as_string(False)))
    try:
        await _terminate(other, first)
    finally:
        await other.dispose()
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # "idle long enough" at once

    assert await _backend_pid(engine) not in (0, first)  # no error: a new connection


async def test_a_connection_in_steady_use_is_not_pinged(engine: AsyncEngine) -> None:
    pings = _count_pings(engine)
    checkouts: list[int] = []
    event.listen(engine.sync_engine, "checkout", lambda *_: checkouts.append(1))
    for _ in range(5):
        await _backend_pid(engine)
    assert len(checkouts) == 5
    assert pings == []


async def test_a_connection_idle_past_the_limit_is_pinged_once(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _backend_pid(engine)
    pings = _count_pings(engine)
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
    await _backend_pid(engine)
    assert pings == [1]
