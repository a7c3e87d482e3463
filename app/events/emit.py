"""Queueing an event for its subscribers, in the transaction that caused it.

One signed outbox row per subscriber that wants the event (the outbox worker posts it,
retries it with backoff, the same body and id every time). Nothing is sent here, so no
customer ever waits for a subscriber. With no subscription for an event type this costs one
small query per transaction, and nothing more.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.channels.signature import body_signature
from app.events.catalog import EVENT_CHANNEL, EventType, recipient_key
from app.events.models import EventSubscription
from app.outbox.models import OutboxItem
from app.types import OutboxStatus
from app.wakeups import OUTBOX_WORKER, announce

PAUSED = "paused"
_CACHE_KEY = "event_subscriptions"


@dataclass(frozen=True)
class _Subscriber:
    id: int
    url: str
    events: frozenset[str]
    secret: str
    paused: bool


async def _subscribers(session: AsyncSession) -> list[_Subscriber]:
    """Every subscription, read once per transaction (a sweep closing 500 conversations
    asks once)."""
    transaction = session.sync_session.get_transaction()
    cached = session.info.get(_CACHE_KEY)
    if cached is not None and cached[0] is transaction:
        subscribers: list[_Subscriber] = cached[1]
        return subscribers
    rows = (
        await session.execute(
            select(
                EventSubscription.id,
                EventSubscription.url,
                EventSubscription.events,
                EventSubscription.secret,
                EventSubscription.status,
            )
        )
    ).all()
    subscribers = [
        _Subscriber(r.id, r.url, frozenset(r.events or ()), r.secret, r.status == PAUSED)
        for r in rows
    ]
    session.info[_CACHE_KEY] = (transaction, subscribers)
    return subscribers


def forget_subscribers(session: AsyncSession) -> None:
    """A subscription changed in this transaction: read them again next time."""
    session.info.pop(_CACHE_KEY, None)


def encode_body(envelope: dict[str, Any]) -> str:
    """An event as posted. Stored as text: the signature covers these exact bytes on every
    attempt (``app.events.erasure`` searches it for a customer)."""
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


async def emit(
    session: AsyncSession,
    event_type: EventType,
    data: Callable[[], Awaitable[dict[str, Any]]],
    *,
    now: datetime,
) -> str | None:
    """Queue ``event_type`` for its subscribers; the event id, or None when nobody wants it.

    ``data`` builds the payload only when someone does. A paused subscription's copy is
    stored as failed: resuming the subscription sends it, so nothing is lost meanwhile.
    """
    wanted = [s for s in await _subscribers(session) if event_type.value in s.events]
    if not wanted:
        return None
    # Sessions do not autoflush (the message path flushes once per batch): write the
    # change first, so the payload reads it. Only when someone wants the event.
    await session.flush()
    event_id = f"evt_{uuid.uuid4().hex}"
    envelope = {
        "id": event_id,
        "type": event_type.value,
        "created_at": now.isoformat(),
        "data": await data(),
    }
    body = encode_body(envelope)
    for subscriber in wanted:
        session.add(
            OutboxItem(
                message_id=None,
                channel=EVENT_CHANNEL,
                recipient_key=recipient_key(subscriber.id),
                account_id=str(subscriber.id),
                payload={
                    "event_id": event_id,
                    "type": event_type.value,
                    "url": subscriber.url,
                    "body": body,
                    "signature": body_signature(subscriber.secret, body.encode()),
                },
                status=OutboxStatus.failed if subscriber.paused else OutboxStatus.pending,
                last_error="subscription paused" if subscriber.paused else None,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    await announce(session, OUTBOX_WORKER)
    return event_id
