"""Closing conversations that went quiet, and recording their outcome."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.bot.content import EXTERNAL_AGENT
from app.bot.timeouts import timeout_outcome
from app.conversations.models import Conversation
from app.conversations.outcomes import close_conversation, record_outcome
from app.types import ConversationStatus


async def close_idle(session: AsyncSession, conversation: Conversation, *, now: datetime) -> None:
    """Close a bot conversation whose customer went quiet, with its timeout outcome."""
    await record_outcome(
        session,
        conversation=conversation,
        outcome=timeout_outcome(conversation),
        now=now,
        article_slug=conversation.last_article_slug,
    )
    await close_conversation(session, conversation, now=now)


def is_idle(conversation: Conversation, *, now: datetime, timeout_seconds: int) -> bool:
    """A bot conversation, or one a person answers from another app (nobody resolves it
    here), quiet for the timeout."""
    bots = conversation.status == ConversationStatus.bot or (
        conversation.status == ConversationStatus.handoff
        and conversation.last_bot_action == EXTERNAL_AGENT
    )
    return bots and conversation.last_customer_at <= now - timedelta(seconds=timeout_seconds)


async def sweep_idle_conversations(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    timeout_seconds: int,
    batch_size: int = 500,
) -> int:
    """Close every idle bot conversation, a batch per transaction; returns how many.

    Conversations in handoff stay open: an agent owns them and resolves them. SKIP LOCKED lets
    several replicas sweep together, and skips a conversation whose customer is writing now.
    """
    cutoff = now - timedelta(seconds=timeout_seconds)
    closed = 0
    while True:
        async with sessionmaker() as session, session.begin():
            batch = list(
                await session.scalars(
                    select(Conversation)
                    .where(
                        or_(
                            Conversation.status == ConversationStatus.bot,
                            and_(
                                Conversation.status == ConversationStatus.handoff,
                                Conversation.last_bot_action == EXTERNAL_AGENT,
                            ),
                        ),
                        Conversation.last_customer_at <= cutoff,
                    )
                    .order_by(Conversation.id)
                    .limit(batch_size)
                    .with_for_update(skip_locked=True)
                )
            )
            for conversation in batch:
                await close_idle(session, conversation, now=now)
        closed += len(batch)
        if len(batch) < batch_size:
            return closed
