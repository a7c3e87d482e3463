"""Queries for contacts, conversations and messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import CUSTOMER_CONTENT, Contact, Conversation, Message
from app.conversations.outcomes import mark_returns
from app.db import utcnow
from app.db_util import rowcount, upsert_rows
from app.types import ConversationStatus

# ``last_inbound_at`` only moves forward, so a late re-delivery of an old message does not
# reopen WhatsApp's 24-hour window.
_CONTACT_UPDATE = (
    "display_name = COALESCE(excluded.display_name, contacts.display_name),"
    " account_id = COALESCE(excluded.account_id, contacts.account_id),"
    " last_inbound_at = CASE"
    " WHEN excluded.last_inbound_at IS NULL THEN contacts.last_inbound_at"
    " WHEN contacts.last_inbound_at IS NULL"
    " OR contacts.last_inbound_at < excluded.last_inbound_at"
    " THEN excluded.last_inbound_at"
    " ELSE contacts.last_inbound_at END"
)


def contact_row(
    *,
    channel: str,
    external_id: str,
    display_name: str | None = None,
    account_id: str | None = None,
    seen_at: datetime | None = None,
) -> dict[str, object]:
    return {
        "channel": channel,
        "external_id": external_id,
        "display_name": display_name,
        "account_id": account_id,
        "language": "id",
        "last_inbound_at": seen_at,
        "created_at": seen_at or utcnow(),
    }


async def upsert_contacts(
    session: AsyncSession, rows: Sequence[dict[str, object]]
) -> list[Contact]:
    """Create or update contacts (``contact_row``s, one per contact) in one statement, which
    also locks their rows.

    The row lock (ON CONFLICT DO UPDATE takes it) serialises all work for one customer across
    replicas: two messages sent at the same moment are handled one after the other. SQLite's
    BEGIN IMMEDIATE does the same. Rows are locked in key order, so two batches that share
    contacts wait for each other instead of deadlocking.
    """
    ordered = sorted(rows, key=lambda row: (str(row["channel"]), str(row["external_id"])))
    return await upsert_rows(
        session, Contact, ordered, conflict=("channel", "external_id"), update_sql=_CONTACT_UPDATE
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
    row = contact_row(
        channel=channel,
        external_id=external_id,
        display_name=display_name,
        account_id=account_id,
        seen_at=seen_at,
    )
    [contact] = await upsert_contacts(session, [row])
    return contact


async def latest_conversations_for(
    session: AsyncSession, contact_ids: Sequence[int]
) -> dict[int, Conversation]:
    """Each contact's newest conversation, locked: the open one if any (at most one is open,
    and it is the newest), else the last closed one. Contacts with none are absent."""
    if not contact_ids:
        return {}
    newest = (
        select(func.max(Conversation.id))
        .where(Conversation.contact_id.in_(contact_ids))
        .group_by(Conversation.contact_id)
    )
    rows = await session.scalars(
        select(Conversation).where(Conversation.id.in_(newest)).with_for_update()
    )
    return {conversation.contact_id: conversation for conversation in rows}


async def insert_inbound_many(
    session: AsyncSession, rows: Sequence[dict[str, object]]
) -> list[Message]:
    """Store inbound messages (rows with the same keys); those whose platform id was seen
    before (re-deliveries) are skipped and absent from the result.

    ON CONFLICT DO NOTHING on (channel, platform_message_id): the unique key decides, so two
    racing deliveries of one message cannot both be stored.
    """
    return await upsert_rows(session, Message, rows, conflict=("channel", "platform_message_id"))


def _new_conversation(contact: Contact, language: str, now: datetime) -> Conversation:
    return Conversation(
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


async def start_conversations(
    session: AsyncSession, starts: Sequence[tuple[Contact, str, datetime]]
) -> list[Conversation]:
    """Open a conversation for each (contact, language, time); one flush (a single
    multi-row INSERT) for all of them."""
    conversations = [_new_conversation(*start) for start in starts]
    session.add_all(conversations)
    await session.flush()
    if starts:
        await mark_returns(session, [contact.id for contact, _, _ in starts], starts[0][2])
    return conversations


async def start_conversation(
    session: AsyncSession, *, contact: Contact, language: str, now: datetime
) -> Conversation:
    [conversation] = await start_conversations(session, [(contact, language, now)])
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


def expired_messages(*, closed_before: datetime, limit: int) -> Select[tuple[int]]:
    """The ids of up to ``limit`` unredacted messages whose conversation closed before
    ``closed_before`` (or that have none and are that old), oldest first. A conversation
    still open keeps its messages: an agent may be reading them."""
    return (
        select(Message.id)
        .outerjoin(Conversation, Conversation.id == Message.conversation_id)
        .where(
            _unredacted(),  # the partial index's predicate: redacted rows are not rescanned
            Message.created_at < closed_before,
            or_(
                Message.conversation_id.is_(None),
                and_(
                    Conversation.status == ConversationStatus.closed.value,
                    Conversation.closed_at < closed_before,
                ),
            ),
        )
        .order_by(Message.created_at)
        .limit(limit)
    )


async def redact_texts(session: AsyncSession, *, closed_before: datetime, limit: int) -> int:
    """Remove the customer content, whatever its kind, of up to ``limit`` expired messages
    (``expired_messages``); the number redacted."""
    oldest = expired_messages(closed_before=closed_before, limit=limit)
    return await _redact(session, Message.id.in_(oldest.scalar_subquery()))


async def redact_contact_texts(session: AsyncSession, *, contact_id: int) -> int:
    """Remove the customer content of every message of one customer's conversations:
    theirs, and the bot's and agents' replies (which can quote them); the number of
    messages."""
    return await _redact(session, Message.contact_id == contact_id)


def _unredacted() -> ColumnElement[bool]:
    # Written as the index's predicate (models.UNREDACTED), term for term, so both SQLite
    # and PostgreSQL see that the query implies it.
    return or_(*(Message.__table__.c[name].is_not(None) for name in CUSTOMER_CONTENT))


async def _redact(session: AsyncSession, where: ColumnElement[bool]) -> int:
    # The row stays (times, kind, decisions, articles: what statistics count); everything
    # that can quote or identify the customer goes. Retention and erasure both come here.
    result = await session.execute(
        update(Message)
        .where(where)
        .values(dict.fromkeys(CUSTOMER_CONTENT))
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)
