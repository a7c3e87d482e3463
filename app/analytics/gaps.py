"""Knowledge gaps: what customers asked that the bot could not answer, grouped.

SQL picks the texts (bounded: the most recent ``MAX_TEXTS``); clustering them is pure CPU
work, run in a thread so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.clustering import cluster_texts
from app.analytics.periods import Period
from app.analytics.schemas import Gap, GapStats
from app.conversations.models import Message, Outcome
from app.types import Direction, OutcomeKind, Sender

MAX_TEXTS = 5000
# The matcher's decisions: "none" (no match) and "suggest" (unsure) are gaps by themselves;
# "answer" is one when the conversation still ended with a human.
UNANSWERED = ("none", "suggest")
ANSWERED = "answer"


async def knowledge_gaps(
    session: AsyncSession, *, period: Period, limit: int, max_texts: int = MAX_TEXTS
) -> GapStats:
    statement = (
        select(Message.text)
        .outerjoin(Outcome, Outcome.conversation_id == Message.conversation_id)
        .where(
            Message.created_at >= period.start_at,
            Message.created_at < period.end_at,
            Message.direction == Direction.inbound.value,
            Message.sender == Sender.customer.value,
            Message.text.is_not(None),
            or_(
                Message.understood_as.in_(UNANSWERED),
                and_(
                    Message.understood_as == ANSWERED,
                    Outcome.outcome == OutcomeKind.escalated.value,
                ),
            ),
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(max_texts)
    )
    texts = [text for text in (await session.scalars(statement)) if text and text.strip()]
    groups = await asyncio.to_thread(cluster_texts, texts)
    return GapStats(
        items=[
            Gap(example=g.example, count=g.count, examples=g.examples()) for g in groups[:limit]
        ],
        texts_read=len(texts),
    )
