"""Queries for contacts, conversations and messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Contact, Conversation, Message
from app.db_util import insert_ignore
from app.types import ConversationStatus


async def lock_contact(session: AsyncSession, *, channel: str, external_id: str) -> Contact:
    """Create the contact if needed and lock its row for this transaction.

    The row lock serialises all work for one customer across replicas (two messages sent at
    the same moment are handled one after the other); SQLite's BEGIN IMMEDIATE does the same.
    """
    await insert_ignore(
        session,
        Contact,
        {"channel": channel, "external_id": external_id, "language": "id"},
        conflict_columns=["channel", "external_id"],
    )
    contact = await session.scalar(
        select(Contact)
        .where(Contact.channel == channel, Contact.external_id == external_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert contact is not None  # inserted above or already there
    return contact


async def open_conversation_for(session: AsyncSession, contact_id: int) -> Conversation | None:
    return await session.scalar(
        select(Conversation)
        .where(
            Conversation.contact_id == contact_id,
            Conversation.status != ConversationStatus.closed,
        )
        .with_for_update()
    )


async def latest_conversation_for(session: AsyncSession, contact_id: int) -> Conversation | None:
    return await session.scalar(
        select(Conversation)
        .where(Conversation.contact_id == contact_id)
        .order_by(Conversation.id.desc())
        .limit(1)
    )


async def insert_inbound(session: AsyncSession, values: dict[str, object]) -> Message | None:
    """Store an inbound message; None when its platform id was seen before (a re-delivery)."""
    if values.get("platform_message_id") is None:
        message = Message(**values)
        session.add(message)
        await session.flush()
        return message
    new_id = await insert_ignore(
        session, Message, values, conflict_columns=["channel", "platform_message_id"]
    )
    if new_id is None:
        return None
    return await session.get_one(Message, new_id)


async def start_conversation(
    session: AsyncSession, *, contact: Contact, language: str, now: datetime
) -> Conversation:
    conversation = Conversation(
        contact_id=contact.id,
        channel=contact.channel,
        status=ConversationStatus.bot,
        language=language,
        created_at=now,
        last_customer_at=now,
        consecutive_misses=0,
        had_request=False,
        awaiting_csat=False,
    )
    session.add(conversation)
    await session.flush()
    return conversation


async def messages_after(
    session: AsyncSession, *, contact_id: int, after_id: int, senders: tuple[str, ...], limit: int
) -> list[Message]:
    rows = await session.scalars(
        select(Message)
        .where(
            Message.contact_id == contact_id,
            Message.id > after_id,
            Message.sender.in_(senders),
        )
        .order_by(Message.id)
        .limit(limit)
    )
    return list(rows)
