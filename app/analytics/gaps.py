"""Knowledge gaps: what customers asked that the bot could not answer, grouped.

SQL picks the texts (bounded: the most recent ``MAX_TEXTS``), each with the article its
conversation ended on when the customer confirmed it helped; clustering them is pure CPU
work, run in a thread so the event loop keeps serving. A group whose customers confirmed an
article is a wording the KB lacks, not an answer it lacks.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import and_, case, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.clustering import Group, cluster_texts
from app.analytics.periods import Period
from app.analytics.schemas import ConfirmedArticle, Gap, GapStats
from app.bot.intents import Intent, understand
from app.bot.ratings import parse_rating
from app.conversations.models import Message, Outcome
from app.types import Direction, OutcomeKind, Sender

MAX_TEXTS = 5000
# The matcher's decisions: "none" (no match) and "suggest" (unsure) are gaps by themselves;
# "answer" is one when the conversation still ended with a human.
UNANSWERED = ("none", "suggest")
ANSWERED = "answer"
CONFIRMED_PER_GAP = 3
_NOT_QUESTIONS = frozenset({Intent.greeting, Intent.thanks, Intent.yes, Intent.no, Intent.empty})


def is_small_talk(text: str) -> bool:
    """A greeting, thanks, yes/no, emoji only, or a rating reply: nothing the KB should answer."""
    return parse_rating(text) is not None or understand(text).intent in _NOT_QUESTIONS


async def knowledge_gaps(
    session: AsyncSession, *, period: Period, limit: int, max_texts: int = MAX_TEXTS
) -> GapStats:
    confirmed = case(
        (Outcome.outcome == OutcomeKind.deflected_confirmed.value, Outcome.article_slug),
        else_=None,
    )
    statement = (
        select(Message.text, confirmed)
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
    rows = [
        (text, slug) for text, slug in await session.execute(statement) if text and text.strip()
    ]
    groups = await asyncio.to_thread(_cluster_questions, rows)
    return GapStats(
        items=[
            Gap(
                example=g.example,
                count=g.count,
                examples=g.examples(),
                confirmed_articles=[
                    ConfirmedArticle(slug=slug, count=count)
                    for slug, count in g.tags.most_common(CONFIRMED_PER_GAP)
                ],
            )
            for g in groups[:limit]
        ],
        texts_read=len(rows),
    )


def _cluster_questions(rows: list[tuple[str, str | None]]) -> list[Group]:
    questions = [(text, slug) for text, slug in rows if not is_small_talk(text)]
    return cluster_texts([text for text, _ in questions], tags=[slug for _, slug in questions])
