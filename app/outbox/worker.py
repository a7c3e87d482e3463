"""The outbox delivery job: claim due rows, send them, record what happened.

``deliver_due`` is the unit of work (tests call it directly); ``outbox_worker`` wraps it in
a ``PeriodicWorker`` for the lifespan, and ``poke_outbox`` wakes that worker right after a
request committed new rows, so replies leave at once instead of at the next tick.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import utcnow
from app.errors import database_unavailable
from app.events.delivery import record_health
from app.metrics import OUTBOX_BACKLOG, OUTBOX_RESULTS
from app.outbox import repository
from app.outbox.backoff import retry_delay
from app.outbox.dispatch import deliver
from app.outbox.graph_api import SendResult
from app.outbox.models import OutboxItem
from app.outbox.transport import AiohttpTransport, environment_proxy
from app.wakeups import OUTBOX_WORKER
from app.workers import PeriodicWorker, in_lanes, poke_worker

logger = logging.getLogger("app.outbox")

# Sends one lane keeps in flight. A round claims that many rows (one per recipient) and so
# takes one Graph API round trip; lanes overlap their round trips.
SEND_CONCURRENCY = 16
BATCH_SIZE = SEND_CONCURRENCY
# Rounds per run: each round sends at most one row per recipient (their next in line).
MAX_ROUNDS = 50
RECORD_RETRY_SECONDS = 0.5
DRAIN_MARGIN_SECONDS = 3.0  # beyond the Graph API timeout: storing the answers


def _lease(settings: Settings) -> timedelta:
    # Long enough that a slow but live send is never claimed twice.
    return timedelta(
        seconds=max(settings.outbox_lease_seconds, settings.graph_api_timeout_seconds * 3)
    )


async def _record(
    session: AsyncSession,
    item: OutboxItem,
    result: SendResult,
    settings: Settings,
    now: datetime,
) -> str:
    """Store a failed attempt (successes are stored together by ``repository.mark_sent``)."""
    error = result.error or "unknown error"
    if result.kind == "retry" and item.attempts < settings.outbox_max_attempts:
        delay = retry_delay(item.attempts, settings, retry_after=result.retry_after_seconds)
        await repository.mark_retry(
            session, item.id, error=error, next_attempt_at=now + timedelta(seconds=delay)
        )
        return "retry"
    if result.kind == "retry":
        error = f"gave up after {item.attempts} attempts: {error}"
    await repository.mark_failed(session, item.id, message_id=item.message_id, error=error)
    logger.warning(
        "outbox delivery failed",
        extra={"outbox_id": item.id, "channel": item.channel, "error": error},
    )
    return "failed"


async def _send(
    client: httpx.AsyncClient, settings: Settings, item: OutboxItem, limit: asyncio.Semaphore
) -> SendResult:
    payload: dict[str, Any] = item.payload
    async with limit:
        return await deliver(
            client, settings, channel=item.channel, account_id=item.account_id, payload=payload
        )


async def _store_results(
    sessionmaker: async_sessionmaker[AsyncSession],
    items: list[OutboxItem],
    results: list[SendResult],
    settings: Settings,
    now: datetime,
) -> list[str]:
    """Commit what the platform answered. These messages are already out: if the database is
    briefly away, keep the answers and try again instead of letting the lease expire, which
    would send every one of them a second time."""
    give_up_at = time.monotonic() + _lease(settings).total_seconds() / 2
    while True:
        try:
            async with sessionmaker() as session, session.begin():
                sent = [
                    repository.Sent(item.id, item.message_id, result.platform_message_id)
                    for item, result in zip(items, results, strict=True)
                    if result.kind == "sent"
                ]
                await repository.mark_sent(session, sent, now=now)
                kinds = [
                    "sent"
                    if result.kind == "sent"
                    else await _record(session, item, result, settings, now)
                    for item, result in zip(items, results, strict=True)
                ]
                await record_health(session, items, results, kinds, now=now)  # events
                return kinds
        except Exception as exc:
            if not database_unavailable(exc) or time.monotonic() >= give_up_at:
                raise
            logger.warning("outbox results not stored yet: database unavailable; retrying")
            await asyncio.sleep(RECORD_RETRY_SECONDS)


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    settings: Settings,
    *,
    now: datetime,
    batch_size: int = BATCH_SIZE,
    backlog: asyncio.Event | None = None,
    stop: asyncio.Event | None = None,
) -> int:
    """Send every row due at ``now`` (in order per recipient); the number of attempts made.
    ``backlog`` is set when a round comes back full (more rows are likely waiting). Once
    ``stop`` is set no further round starts; the one under way is sent and recorded."""
    attempts = 0
    limit = asyncio.Semaphore(SEND_CONCURRENCY)
    for _ in range(MAX_ROUNDS):
        if stop is not None and stop.is_set():
            break
        async with sessionmaker() as session, session.begin():
            items = await repository.claim_due(
                session, now=now, limit=batch_size, lease=_lease(settings)
            )
        if not items:
            break
        if backlog is not None and len(items) == batch_size:
            backlog.set()
        # At most one row per recipient per round, so these can go out concurrently, a lane's
        # share of the client's connections at a time (SEND_CONCURRENCY).
        results = await asyncio.gather(*(_send(client, settings, item, limit) for item in items))
        for kind in await _store_results(sessionmaker, items, results, settings, now):
            OUTBOX_RESULTS.labels(kind).inc()
        attempts += len(items)
    async with sessionmaker() as session:
        OUTBOX_BACKLOG.set(await repository.count_pending(session))
    return attempts


def outbox_lanes(settings: Settings) -> int:
    """Delivery lanes per process. SQLite has one writer: one lane."""
    if settings.is_sqlite:
        return 1
    return max(1, math.ceil(settings.outbox_concurrency / SEND_CONCURRENCY))


def graph_client(settings: Settings) -> httpx.AsyncClient:
    """The Graph API client: a kept-alive connection for every send the lanes have in flight
    (through the environment's proxy for the Graph API, if it names one)."""
    return httpx.AsyncClient(
        timeout=settings.graph_api_timeout_seconds,
        transport=AiohttpTransport(
            outbox_lanes(settings) * SEND_CONCURRENCY,
            proxy=environment_proxy(settings.graph_api_base),
        ),
    )


def outbox_worker(
    sessionmaker: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    settings: Settings,
) -> PeriodicWorker:
    """Deliver in ``outbox_lanes`` lanes at once. They claim disjoint rows (a leased row is
    not due, and its recipient's later rows wait behind it), so per-recipient order holds.

    Stopping drains: the rounds under way are sent and recorded (up to one Graph API timeout
    and the time to store the answers), since a reply sent but not recorded as sent goes
    out a second time when its lease runs out."""

    async def job() -> int:
        now = utcnow()
        return await in_lanes(
            outbox_lanes(settings),
            lambda backlog: deliver_due(
                sessionmaker, client, settings, now=now, backlog=backlog, stop=worker.draining
            ),
        )

    worker = PeriodicWorker(
        OUTBOX_WORKER,
        job,
        settings.outbox_poll_interval_seconds,
        grace_seconds=drain_seconds(settings),
    )
    return worker


def drain_seconds(settings: Settings) -> float:
    """How long a stopping outbox may take to finish the sends under way."""
    return settings.graph_api_timeout_seconds + DRAIN_MARGIN_SECONDS


def poke_outbox(state: Any) -> None:
    """Wake the outbox worker (``app.state``), if it runs in this process."""
    poke_worker(state, OUTBOX_WORKER)
