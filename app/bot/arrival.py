"""The first step of handling customer messages, done for a batch of customers at once.

Whatever a message says, handling it starts the same way: create or update and lock the
contact, lock its newest conversation, store the message (a re-delivery is skipped), and open
a conversation for a customer who never had one. For a batch that is four statements in all
instead of four per message; the engine then decides each message on its own. One message per
customer per batch: the inbox claims a customer's next message only after the previous one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.types import InboundMessage
from app.conversations import repository
from app.conversations.models import Contact, Conversation, Message
from app.types import ConversationStatus, Direction, Sender


@dataclass(frozen=True)
class Arrival:
    contact: Contact
    # The newest conversation (opened here for a first-time customer), None if there is none.
    latest: Conversation | None
    message: Message | None  # None: a re-delivery of a message stored before


def clipped_text(inbound: InboundMessage, limit: int) -> str:
    return (inbound.text or "").strip()[:limit]


def stored_message_id(inbound: InboundMessage) -> str | None:
    """The platform id the message is stored under. A person's echo gets its own namespace:
    should one of the bot's own sends slip through as an echo, it can never collide with the
    id the outbox records for that send."""
    if inbound.echo and inbound.platform_message_id is not None:
        return f"echo:{inbound.platform_message_id}"
    return inbound.platform_message_id


def content_columns(inbound: InboundMessage) -> dict[str, object]:
    """The message columns describing what was sent (kind, caption, media, location).
    Platforms relay what the customer's app sent: over-long names are cut to their columns
    rather than failing the message."""
    return {
        "kind": inbound.kind,
        "caption": inbound.caption,
        "media_id": _cut(inbound.media_id),
        "media_url": inbound.media_url,
        "media_mime_type": _cut(inbound.media_mime_type),
        "media_filename": _cut(inbound.media_filename),
        "latitude": inbound.latitude,
        "longitude": inbound.longitude,
        "location_name": _cut(inbound.location_name),
        "location_address": inbound.location_address,
    }


def _cut(value: str | None, limit: int = 255) -> str | None:
    return value[:limit] if value else value


async def arrive(
    session: AsyncSession,
    batch: Sequence[tuple[InboundMessage, datetime]],
    *,
    max_text_length: int,
) -> list[Arrival]:
    """Store each (inbound message without NULs, time handled) and load its state; the
    arrivals are in the batch's order."""
    keys = [(inbound.channel.value, inbound.external_id) for inbound, _ in batch]
    if len(set(keys)) != len(keys):
        raise ValueError("a batch holds one message per customer")
    if len(batch) > 1 and any(inbound.platform_message_id is None for inbound, _ in batch):
        raise ValueError("messages in a batch are told apart by their platform ids")

    contacts = await repository.upsert_contacts(
        session,
        [
            repository.contact_row(
                channel=inbound.channel.value,
                external_id=inbound.external_id,
                display_name=inbound.display_name[:200] if inbound.display_name else None,
                account_id=inbound.account_id,
                # A person's echo is not the customer writing: WhatsApp's window stays.
                seen_at=None if inbound.echo else min(inbound.sent_at or now, now),
            )
            for inbound, now in batch
        ],
    )
    by_key = {(contact.channel, contact.external_id): contact for contact in contacts}
    mine = [by_key[key] for key in keys]
    latest = await repository.latest_conversations_for(session, [c.id for c in mine])

    rows: list[dict[str, object]] = []
    for (inbound, now), contact in zip(batch, mine, strict=True):
        current = latest.get(contact.id)
        is_open = current is not None and current.status != ConversationStatus.closed
        rows.append(
            {
                "conversation_id": current.id if current is not None and is_open else None,
                "contact_id": contact.id,
                "channel": inbound.channel.value,
                "direction": (Direction.outbound if inbound.echo else Direction.inbound).value,
                "sender": (Sender.agent if inbound.echo else Sender.customer).value,
                "text": clipped_text(inbound, max_text_length) or None,
                "action": inbound.action,
                "platform_message_id": stored_message_id(inbound),
                "created_at": now,
                **content_columns(inbound),
            }
        )
    stored = {
        (message.channel, message.platform_message_id): message
        for message in await repository.insert_inbound_many(session, rows)
    }
    messages = [
        stored.get((inbound.channel.value, stored_message_id(inbound))) for inbound, _ in batch
    ]

    # A customer without any conversation starts one: there is nothing to follow up or close.
    starts = [
        (contact, contact.language, now)
        for (_, now), contact, message in zip(batch, mine, messages, strict=True)
        if message is not None and contact.id not in latest
    ]
    if starts:
        for conversation in await repository.start_conversations(session, starts):
            latest[conversation.contact_id] = conversation
    return [
        Arrival(contact, latest.get(contact.id), message)
        for contact, message in zip(mine, messages, strict=True)
    ]
