"""Waking workers in other processes: PostgreSQL's LISTEN/NOTIFY.

A webhook stored by one process, or a reply queued by another, is picked up at once by the
workers of every process (``router worker``, other replicas) instead of at their next poll
(``ROUTER_INBOX_POLL_INTERVAL_SECONDS`` / ``ROUTER_OUTBOX_POLL_INTERVAL_SECONDS``). Writers
``announce`` inside their transaction, so the wake-up leaves only if it commits; each process
that runs workers keeps one ``WakeListener`` connection. Polling stays as the fallback: a
lost notification, or a listener that is reconnecting, costs at most one poll interval.
SQLite has one process, whose workers are woken directly (``app.workers.poke_worker``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

logger = logging.getLogger("app.wakeups")

CHANNEL = "router_wake"
# The workers woken this way (``PeriodicWorker`` names).
INBOX_WORKER = "inbox"
OUTBOX_WORKER = "outbox"
COVERAGE_WORKER = "coverage"
RECONNECT_SECONDS = 2.0
_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', :worker)")


async def announce(session: AsyncSession, worker: str) -> None:
    """Wake ``worker`` in every listening process once this transaction commits (once per
    transaction: PostgreSQL would fold repeats anyway, this saves the statements)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = ("announced", worker)
    # The innermost transaction: a savepoint rolled back takes its notification with it.
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is not None and session.info.get(key) is transaction:
        return
    # Not a reason to write pending changes early (the engine flushes once per batch).
    with session.no_autoflush:
        await session.execute(_NOTIFY, {"worker": worker})
    session.info[key] = transaction


class WakeListener:
    """Holds a LISTEN connection and calls ``on_wake(worker)`` for each announcement, and
    for every worker after (re)connecting, since announcements made meanwhile were lost."""

    def __init__(self, url: URL, workers: tuple[str, ...], on_wake: Callable[[str], None]):
        # Its own connection, outside the service's pool, made the way the service makes
        # them (the URL's options included).
        self._engine = create_async_engine(url, poolclass=NullPool)
        self._workers = workers
        self._on_wake = on_wake
        self.connected = asyncio.Event()

    def _received(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        if payload in self._workers:
            self._on_wake(payload)

    async def run(self) -> None:
        try:
            await self._run()
        finally:
            await self._engine.dispose()

    async def _run(self) -> None:
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning(
                    "wake-up listener lost the database; workers poll meanwhile: %s", exc
                )
            self.connected.clear()
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen(self) -> None:
        async with self._engine.connect() as pooled:
            # Never in a transaction (no statement goes through SQLAlchemy), which is when
            # PostgreSQL delivers notifications.
            connection: asyncpg.Connection = (await pooled.get_raw_connection()).driver_connection
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _connection: lost.set())
            await connection.add_listener(CHANNEL, self._received)
            self.connected.set()
            for worker in self._workers:
                self._on_wake(worker)
            await lost.wait()
