"""Sending to a customer on their channel: store the message, and for platform channels put
the rendered payloads in the outbox in the same transaction (delivered later by the worker).

The rows are added to the session, not flushed: callers that need the new ids flush."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.types import Reply
from app.channels.rendering import render_reply
from app.conversations.models import Contact, Message
from app.metrics import MESSAGES_OUT
from app.outbox.models import OutboxItem, customer_key
from app.types import Channel, DeliveryStatus, Direction, Sender
from app.wakeups import OUTBOX_WORKER, announce


async def send_replies(
    session: AsyncSession,
    *,
    contact: Contact,
    conversation_id: int | None,
    replies: Sequence[Reply],
    sender: Sender,
    now: datetime,
) -> list[Message]:
    platform = contact.channel != Channel.webchat
    messages = [
        Message(
            conversation_id=conversation_id,
            contact_id=contact.id,
            channel=contact.channel,
            direction=Direction.outbound,
            sender=sender,
            text=reply.text,
            buttons=[{"id": b.id, "title": b.title} for b in reply.buttons] or None,
            article_slug=reply.article,
            delivery_status=DeliveryStatus.pending if platform else None,
            created_at=now,
        )
        for reply in replies
    ]
    session.add_all(messages)
    # No flush here: the deliveries reference their message through the relationship, so
    # the caller's next flush writes both, and a batch of customers' replies shares it.
    if platform:
        recipient_key = customer_key(contact.channel, contact.account_id, contact.external_id)
        for message, reply in zip(messages, replies, strict=True):
            for payload in render_reply(Channel(contact.channel), contact.external_id, reply):
                session.add(
                    OutboxItem(
                        message=message,
                        channel=contact.channel,
                        recipient_key=recipient_key,
                        account_id=contact.account_id,
                        payload=payload,
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
        if messages:
            await announce(session, OUTBOX_WORKER)
    for _ in messages:
        MESSAGES_OUT.labels(contact.channel, sender.value).inc()
    return messages
