"""Cross-process wake-ups (PostgreSQL LISTEN/NOTIFY) against the real database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.wakeups import INBOX_WORKER, OUTBOX_WORKER, WakeListener, announce
from tests.channels.webhook_client import post_whatsapp, wa_text

pytestmark = pytest.mark.usefixtures("bot")


class Heard:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.changed = asyncio.Event()

    def __call__(self, name: str) -> None:
        self.names.append(name)
        self.changed.set()

    async def wait_for(self, name: str, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while name not in self.names:
                self.changed.clear()
                await self.changed.wait()


@pytest.fixture
async def heard(app: FastAPI, backend: str) -> AsyncIterator[Heard]:
    if backend == "sqlite":
        pytest.skip("PostgreSQL only: SQLite's single process wakes its workers directly")
    heard = Heard()
    listener = WakeListener(app.state.engine.url, (INBOX_WORKER, OUTBOX_WORKER), heard)
    task = asyncio.create_task(listener.run())
    async with asyncio.timeout(10):
        await listener.connected.wait()
    # On connecting it wakes every worker once (announcements may have been missed).
    assert sorted(heard.names) == [INBOX_WORKER, OUTBOX_WORKER]
    heard.names.clear()
    yield heard
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_an_announcement_arrives_when_its_transaction_commits(
    app: FastAPI, heard: Heard
) -> None:
    async with app.state.sessionmaker() as session:
        async with session.begin():
            await announce(session, OUTBOX_WORKER)
            await announce(session, OUTBOX_WORKER)  # once per transaction
            await asyncio.sleep(0.2)
            assert heard.names == []  # not before the commit
        await heard.wait_for(OUTBOX_WORKER)

        async with session.begin():
            await announce(session, INBOX_WORKER)
            await session.rollback()
    await asyncio.sleep(0.3)
    assert heard.names == [OUTBOX_WORKER]  # the rolled-back one never left


async def test_stored_webhooks_wake_inbox_workers_and_their_replies_outbox_workers(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, heard: Heard
) -> None:
    response = await post_whatsapp(client, wa_text("gimana cara refund", wamid="wamid.w1"))
    assert response.is_success
    await heard.wait_for(INBOX_WORKER)
    assert OUTBOX_WORKER not in heard.names

    assert await app.state.inbox.run() == 1
    await heard.wait_for(OUTBOX_WORKER)


async def test_the_listener_reconnects_after_losing_the_database(
    app: FastAPI, heard: Heard
) -> None:
    async with app.state.engine.connect() as connection:
        ended = await connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        )
    assert ended == 1
    # Back again, it wakes every worker once (what was announced meanwhile is lost) ...
    await heard.wait_for(INBOX_WORKER, timeout=10)
    await heard.wait_for(OUTBOX_WORKER, timeout=10)
    heard.names.clear()
    # ... and hears announcements again.
    async with app.state.sessionmaker() as session, session.begin():
        await announce(session, INBOX_WORKER)
    await heard.wait_for(INBOX_WORKER)
