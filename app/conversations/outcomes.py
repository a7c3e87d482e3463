"""Recording a conversation's one outcome.

The unique key on ``outcomes.conversation_id`` makes "exactly once" a database fact: a second
attempt (a double press, two racing messages, the sweeper and a message at the same moment)
inserts nothing and reports that the outcome was already there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Conversation, Outcome
from app.db_util import insert_ignore
from app.events.hooks import conversation_closed
from app.metrics import OUTCOMES
from app.types import ConversationStatus, OutcomeKind


async def record_outcome(
    session: AsyncSession,
    *,
    conversation: Conversation,
    outcome: OutcomeKind,
    now: datetime,
    reason: str | None = None,
    article_slug: str | None = None,
) -> bool:
    """Store the outcome unless one exists; True when this call recorded it."""
    inserted = await insert_ignore(
        session,
        Outcome,
        {
            "conversation_id": conversation.id,
            "contact_id": conversation.contact_id,
            "outcome": outcome.value,
            "reason": reason,
            "article_slug": article_slug,
            "channel": conversation.channel,
            "conversation_created_at": conversation.created_at,
            "recorded_at": now,
        },
        conflict_columns=["conversation_id"],
    )
    if inserted is not None:
        OUTCOMES.labels(outcome.value).inc()
    return inserted is not None


async def close_conversation(
    session: AsyncSession, conversation: Conversation, *, now: datetime
) -> None:
    """Close the conversation (its outcome is recorded by then) and tell the subscribers of
    ``conversation.closed``: every way a conversation ends comes through here."""
    conversation.status = ConversationStatus.closed.value
    conversation.closed_at = now
    await conversation_closed(session, conversation, now=now)


async def mark_returns(session: AsyncSession, contact_ids: Sequence[int], now: datetime) -> None:
    """These contacts opened a conversation at ``now``: their ended requests without a later
    conversation yet get it as ``next_conversation_at`` (first contact resolution). One
    statement per batch on ``ix_outcomes_contact_id_recorded_at``."""
    if not contact_ids:
        return
    await session.execute(
        update(Outcome)
        .where(Outcome.contact_id.in_(set(contact_ids)), Outcome.next_conversation_at.is_(None))
        .values(next_conversation_at=now)
        .execution_options(synchronize_session=False)
    )
