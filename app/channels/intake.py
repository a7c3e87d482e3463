"""Acknowledge a verified, parsed webhook: store its events in the inbox, report what was new.

Nothing is answered here (``app.inbox.processor`` does that right after): the platform gets
its 200 as soon as the events are durable. The inbox's unique (channel, key) makes a
re-delivered or concurrently delivered event a no-op, reported as a duplicate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.bot.types import InboundMessage
from app.channels.events import WebhookEvents
from app.inbox.codec import MESSAGE, rows_for
from app.inbox.writer import InboxWriter
from app.types import Channel

logger = logging.getLogger("app.channels")


@dataclass
class IntakeSummary:
    messages: int = 0  # new, queued for the engine
    duplicates: int = 0  # seen before
    stale: int = 0  # too old to answer: acknowledged and dropped
    statuses: int = 0  # new delivery reports


def is_stale(inbound: InboundMessage, *, now: datetime, max_age: timedelta) -> bool:
    return inbound.sent_at is not None and now - inbound.sent_at > max_age


def _fresh(
    channel: Channel, events: WebhookEvents, *, now: datetime, max_age: timedelta
) -> list[InboundMessage]:
    fresh = []
    for inbound in events.messages:
        if not is_stale(inbound, now=now, max_age=max_age):
            fresh.append(inbound)
            continue
        # Re-deliveries after a long outage: answering days-old messages one by one helps
        # nobody (and WhatsApp's 24-hour window has closed). Acknowledge and log.
        logger.warning(
            "skipping stale inbound message",
            extra={
                "channel": channel.value,
                "platform_message_id": inbound.platform_message_id,
                "sent_at": inbound.sent_at.isoformat() if inbound.sent_at else None,
            },
        )
    return fresh


async def accept_events(
    writer: InboxWriter,
    channel: Channel,
    events: WebhookEvents,
    *,
    now: datetime,
    max_age: timedelta,
) -> IntakeSummary:
    fresh = _fresh(channel, events, now=now, max_age=max_age)
    rows = rows_for(
        channel, WebhookEvents(messages=fresh, statuses=events.statuses), received_at=now
    )
    new = await writer.append(rows)
    summary = IntakeSummary(stale=len(events.messages) - len(fresh))
    for row in rows:
        is_new = (row["channel"], row["dedupe_key"]) in new
        if row["kind"] != MESSAGE:
            summary.statuses += is_new
        elif is_new:
            summary.messages += 1
        else:
            summary.duplicates += 1
    return summary
