"""Queries for contacts, conversations and messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Contact, Conversation, Message
from app.db import utcnow
from app.db_util import all_columns, upsert_statement
from app.types import ConversationStatus

_CONTACT_UPSERT = upsert_statement(
    Contact.__table__,
    (
        "channel",
        "external_id",
        "display_name",
        "account_id",
        "language",
        "last_inbound_at",
        "created_at",
    ),
    conflict=("channel", "external_id"),
    update_sql=(
        "display_name = COALESCE(excluded.display_name, contacts.display_name),"
        " account_id = COALESCE(excluded.account_id, contacts.account_id),"
        " last_inbound_at = CASE"
        " WHEN excluded.last_inbound_at IS NULL THEN contacts.last_inbound_at"
        " WHEN contacts.last_inbound_at IS NULL"
        " OR contacts.last_inbound_at < excluded.last_inbound_at"
        " THEN excluded.last_inbound_at"
        " ELSE contacts.last_inbound_at END"
    ),
    returning=all_columns(Contact),
)


async def upsert_contact(
    session: AsyncSession,
    *,
    channel: str,
    external_id: str,
    display_name: str | None = None,
    account_id: str | None = None,
    seen_at: datetime | None = None,
) -> Contact:
    """Create or update the contact in one statement, which also locks its row.

    The row lock (ON CONFLICT DO UPDATE takes it) serialises all work for one customer across
    replicas: two messages sent at the same moment are handled one after the other. SQLite's
    BEGIN IMMEDIATE does the same. ``last_inbound_at`` only moves forward, so a late
    re-delivery of an old message does not reopen WhatsApp's 24-hour window.
    """
    values = {
        "channel": channel,
        "external_id": external_id,
        "display_name": display_name,
        "account_id": account_id,
        "language": "id",
        "last_inbound_at": seen_at,
        "created_at": seen_at or utcnow(),
    }
    result = await session.scalars(
        select(Contact).from_statement(_CONTACT_UPSERT),
        values,
        execution_options={"populate_existing": True},
    )
    return result.one()


async def latest_conversation_for(session: AsyncSession, contact_id: int) -> Conversation | None:
    """The contact's newest conversation, locked: the open one if any (at most one is open,
    and it is the newest), else the last closed one."""
    return await session.scalar(
        select(Conversation)
        .where(Conversation.contact_id == contact_id)
        .order_by(Conversation.id.desc())
        .limit(1)
        .with_for_update()
    )


async def insert_inbound(session: AsyncSession, values: dict[str, object]) -> Message | None:
    """Store an inbound message; None when its platform id was seen before (a re-delivery).

    ON CONFLICT DO NOTHING on (channel, platform_message_id): the unique key decides, so two
    racing deliveries of one message cannot both be stored.
    """
    statement = upsert_statement(
        Message.__table__,
        tuple(values),
        conflict=("channel", "platform_message_id"),
        returning=all_columns(Message),
    )
    result = await session.scalars(
        select(Message).from_statement(statement),
        values,
        execution_options={"populate_existing": True},
    )
    return result.one_or_none()


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
