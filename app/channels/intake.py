"""Hand a verified, parsed webhook to the conversation engine, message by message.

Everything runs in the request's session, committed before the platform gets its 200; the
engine dedupes by (channel, platform message id) with INSERT .. ON CONFLICT DO NOTHING, so a
re-delivered or concurrently delivered message has no effect.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.types import InboundMessage, InboundResult
from app.channels.events import WebhookEvents
from app.channels.statuses import apply_status
from app.errors import AppError
from app.types import Channel

logger = logging.getLogger("app.channels")


class MessageHandler(Protocol):
    """The conversation engine as the channels see it (``app.state.bot``)."""

    async def handle(
        self, session: AsyncSession, inbound: InboundMessage, *, now: datetime
    ) -> InboundResult: ...


@dataclass
class IntakeSummary:
    handled: int = 0
    duplicates: int = 0
    stale: int = 0
    statuses: int = 0
    replies: int = 0


def is_stale(inbound: InboundMessage, *, now: datetime, max_age: timedelta) -> bool:
    return inbound.sent_at is not None and now - inbound.sent_at > max_age


async def process_events(
    session: AsyncSession,
    handler: MessageHandler | None,
    channel: Channel,
    events: WebhookEvents,
    *,
    now: datetime,
    max_age: timedelta,
) -> IntakeSummary:
    summary = IntakeSummary()
    for inbound in events.messages:
        if is_stale(inbound, now=now, max_age=max_age):
            # Re-deliveries after a long outage: answering days-old messages one by one
            # helps nobody (and WhatsApp's 24-hour window has closed). Acknowledge and log.
            logger.warning(
                "skipping stale inbound message",
                extra={
                    "channel": channel.value,
                    "platform_message_id": inbound.platform_message_id,
                    "sent_at": inbound.sent_at.isoformat() if inbound.sent_at else None,
                },
            )
            summary.stale += 1
            continue
        if handler is None:
            raise AppError(
                "the conversation engine is not running", code="engine_unavailable", status_code=503
            )
        result = await handler.handle(session, inbound, now=now)
        if result.duplicate:
            summary.duplicates += 1
        else:
            summary.handled += 1
            summary.replies += len(result.replies)
    for report in events.statuses:
        if await apply_status(session, channel, report):
            summary.statuses += 1
    return summary
