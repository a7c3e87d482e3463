"""Hand stored webhook events to the engine, a batch per transaction.

A batch's messages are stored and their state loaded up front, a statement per table for
all of them (``ConversationEngine.arrive``); the engine then decides each one, and a single
flush writes what they caused. An event's effects (message, state, outcome, replies and
their outbox rows) and the mark that it was handled commit together, so a crash re-runs the
whole batch and nothing twice. An event that makes the engine (or that flush) fail is rolled
back alone, by redoing the batch with a savepoint per event; it is retried with backoff and
given up on (kept, marked failed, logged) after ``inbox_max_attempts``. Its customer's later
messages wait for it, so they are never answered out of order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.bot.arrival import Arrival
from app.bot.types import InboundMessage, InboundResult
from app.channels.chatwoot_events import CHANGE as CHATWOOT_CHANGE
from app.channels.chatwoot_events import apply_change
from app.channels.statuses import apply_status, is_known
from app.config import Settings
from app.db import utcnow
from app.db_util import in_chunks
from app.errors import AppError, database_unavailable
from app.inbox import repository
from app.inbox.codec import MESSAGE, inbound_from, status_from
from app.inbox.models import InboxItem
from app.metrics import INBOX_BACKLOG, INBOX_FAILURES, INBOX_LAG
from app.types import Channel
from app.wakeups import INBOX_WORKER
from app.workers import PeriodicWorker, in_lanes

logger = logging.getLogger("app.inbox")


class MessageHandler(Protocol):
    """The conversation engine as the processor sees it (``app.state.bot``)."""

    async def arrive(
        self, session: AsyncSession, batch: Sequence[tuple[InboundMessage, datetime]]
    ) -> list[Arrival]: ...

    async def handle(
        self,
        session: AsyncSession,
        inbound: InboundMessage,
        *,
        now: datetime,
        arrival: Arrival | None = None,
    ) -> InboundResult: ...


class _EventFailed(Exception):
    """An event failed in an optimistic batch: roll it back and redo it event by event."""


@contextlib.asynccontextmanager
async def _attributed() -> AsyncIterator[None]:
    """An optimistic batch failed: if the database is gone the whole batch waits for it,
    anything else is some event's fault, found by redoing the batch event by event."""
    try:
        yield
    except Exception as exc:
        if database_unavailable(exc):
            raise
        raise _EventFailed from exc


RETRY_BASE_SECONDS = 2.0
RETRY_MAX_SECONDS = 300.0
MAX_BATCHES_PER_RUN = 200
SQLITE_MAX_BATCH = 8
STATUS_MATCH_WINDOW = timedelta(seconds=60)
STATUS_RETRY = timedelta(seconds=2)
PRUNE_CHUNK = 5000


@dataclass
class InboxProcessor:
    sessionmaker: async_sessionmaker[AsyncSession]
    handler: MessageHandler
    settings: Settings
    # SQLite's in-process writer queue; None on PostgreSQL.
    writer_queue: asyncio.Lock | None = None
    # Called after each committed batch that queued replies (wakes the outbox worker).
    on_replies: Callable[[], None] | None = None

    @property
    def _batch_size(self) -> int:
        # SQLite has one writer: webhook acknowledgements wait for the batch holding it, so
        # keep batches short there.
        size = self.settings.inbox_batch_size
        return min(size, SQLITE_MAX_BATCH) if self.writer_queue is not None else size

    async def run(self, *, now: datetime | None = None) -> int:
        """Handle every due event; the number handled or given up on."""
        # Several lanes on PostgreSQL: while one waits for the database, another computes
        # (SKIP LOCKED gives them disjoint batches, the claim keeps each customer in order).
        # SQLite has one writer, so one lane.
        lanes = 1 if self.writer_queue is not None else self.settings.inbox_concurrency
        total = await in_lanes(lanes, lambda backlog: self._drain(now, backlog))
        async with self.sessionmaker() as session:
            INBOX_BACKLOG.set(await repository.count_pending(session))
        return total

    async def _drain(self, now: datetime | None, backlog: asyncio.Event | None) -> int:
        total = 0
        for _ in range(MAX_BATCHES_PER_RUN):
            handled = await self._batch(now or utcnow())
            total += handled
            if backlog is not None and handled >= self._batch_size:
                backlog.set()
            # A customer's next message becomes claimable only once the previous one is
            # handled, so keep going until a claim comes back empty.
            if handled == 0:
                break
        return total

    async def _batch(self, now: datetime) -> int:
        # Optimistic first: no savepoints (two statements per event saved). If an event
        # fails, that transaction is rolled back whole and the batch is claimed again with a
        # savepoint around each event, so only the failing one is set aside.
        try:
            claimed, done = await self._run_batch(now, isolate=False)
        except _EventFailed:
            claimed, done = await self._run_batch(now, isolate=True)
        if done and self.on_replies is not None:
            self.on_replies()
        for received_at in done:
            INBOX_LAG.observe(max((now - received_at).total_seconds(), 0.0))
        return claimed

    async def _run_batch(self, now: datetime, *, isolate: bool) -> tuple[int, list[datetime]]:
        """(events claimed, arrival times of those handled)."""
        async with (
            self.writer_queue or contextlib.nullcontext(),
            self.sessionmaker() as session,
            session.begin(),
        ):
            items = await repository.claim(session, now=now, limit=self._batch_size)
            done: list[InboxItem] = []
            if isolate:
                for item in items:
                    if await self._isolated(session, item, now):
                        done.append(item)
            else:
                async with _attributed():
                    arrivals = await self._arrive(session, items)
                    for item in items:
                        if await self._dispatch(session, item, now, arrivals.get(item.id)):
                            done.append(item)
                        # Deciding a preloaded message awaits nothing: let waiting webhook
                        # requests be acknowledged between messages, not after the batch.
                        await asyncio.sleep(0)
                    # The batch's replies, state changes and deliveries, written together.
                    await session.flush()
            # One statement for the batch, not an ORM update per row.
            await repository.mark_done(session, [item.id for item in done], now=now)
            return len(items), [item.received_at for item in done]

    async def _arrive(
        self, session: AsyncSession, items: Sequence[InboxItem]
    ) -> dict[int, tuple[InboundMessage, Arrival]]:
        """Store the batch's messages up front, one per customer (a customer's later event,
        if the claim ever gives two, is handled on its own); each with its decoded message."""
        first: dict[tuple[str, str], tuple[InboxItem, InboundMessage]] = {}
        for item in items:
            if item.kind == MESSAGE:
                inbound = inbound_from(item.payload)
                if inbound.platform_message_id is not None:
                    first.setdefault((item.channel, inbound.external_id), (item, inbound))
        if not first:
            return {}
        batch = list(first.values())
        arrivals = await self.handler.arrive(
            session, [(inbound, item.received_at) for item, inbound in batch]
        )
        return {
            item.id: (inbound, arrival)
            for (item, inbound), arrival in zip(batch, arrivals, strict=True)
        }

    async def _isolated(self, session: AsyncSession, item: InboxItem, now: datetime) -> bool:
        try:
            async with session.begin_nested():
                return await self._dispatch(session, item, now)
        except Exception as exc:
            if database_unavailable(exc):
                raise  # the whole batch waits for the database; nothing is marked
            self._failed(item, exc, now)
            return False

    async def _dispatch(
        self,
        session: AsyncSession,
        item: InboxItem,
        now: datetime,
        arrived: tuple[InboundMessage, Arrival] | None = None,
    ) -> bool:
        """Handle the event (``arrived``: its message, already stored by ``_arrive``);
        False when it has to wait (it is scheduled again)."""
        if item.kind == CHATWOOT_CHANGE:
            await apply_change(session, item.payload, now=item.received_at)
            return True
        if item.kind == MESSAGE:
            inbound, arrival = arrived or (inbound_from(item.payload), None)
            # The customer's clock, not the processor's: idle timeouts and the message's
            # timestamps read as if it was handled on arrival.
            await self.handler.handle(session, inbound, now=item.received_at, arrival=arrival)
            return True
        channel, report = Channel(item.channel), status_from(item.payload)
        if await apply_status(session, channel, report):
            return True
        # Meta can report "sent" before the outbox has stored the id it got back for the
        # message: give the outbox a little while before deciding the id is not ours.
        if now - item.received_at < STATUS_MATCH_WINDOW and not await is_known(
            session, channel, report.platform_message_id
        ):
            item.next_attempt_at = now + STATUS_RETRY
            return False
        return True

    def _failed(self, item: InboxItem, exc: Exception, now: datetime) -> None:
        item.attempts += 1
        item.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        # A client error is the event's own fault: retrying gives the same answer.
        final = (
            isinstance(exc, AppError) and exc.status_code < 500
        ) or item.attempts >= self.settings.inbox_max_attempts
        INBOX_FAILURES.labels(str(final).lower()).inc()
        log: dict[str, Any] = {
            "inbox_id": item.id,
            "channel": item.channel,
            "attempts": item.attempts,
            "error": type(exc).__name__,
        }
        if final:
            item.processed_at = now
            item.outcome = "failed"
            logger.error("giving up on a webhook event", extra=log, exc_info=exc)
            return
        delay = min(RETRY_BASE_SECONDS * 2 ** (item.attempts - 1), RETRY_MAX_SECONDS)
        item.next_attempt_at = now + timedelta(seconds=delay)
        logger.warning("webhook event failed; will retry", extra=log, exc_info=exc)


def inbox_worker(processor: InboxProcessor) -> PeriodicWorker:
    return PeriodicWorker(
        INBOX_WORKER, processor.run, processor.settings.inbox_poll_interval_seconds
    )


async def prune_inbox(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    now: datetime,
    chunk: int = PRUNE_CHUNK,
) -> int:
    """Delete handled events past the retention, a chunk per transaction, so a day of
    traffic never becomes one long delete holding locks."""
    hours = settings.inbox_retention_hours
    if settings.message_retention_days is not None:  # events hold message texts too
        hours = min(hours, settings.message_retention_days * 24)
    before = now - timedelta(hours=hours)
    return await in_chunks(
        sessionmaker, lambda s: repository.prune(s, before=before, limit=chunk), chunk
    )
