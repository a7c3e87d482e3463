"""The article funnel: served -> rated helpful / not helpful -> escalated anyway.

Two aggregations, each a single scan:

- ``served``, ``helpful``, ``not_helpful`` count *messages sent in the period*: bot replies
  carrying the article, and the customer's helpful_yes / helpful_no presses rating it.
- ``escalated_after``, ``deflected``, ``ended`` and ``self_service_rate`` count *conversations
  created in the period* (like the overall rate) by the article they ended on:
  ``outcomes.article_slug`` is the last article served, so an escalation that follows it is
  that article failing the customer.

Articles customers read and then still escalate from are the ones to rewrite; they sort first.
The conversations behind each number are listed by ``GET /api/v1/conversations?article=``
with the same definitions (``SERVED``, ``rated``, and the outcome's article).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.counting import DEFLECTED, RATED, rate
from app.analytics.periods import Period
from app.analytics.schemas import ArticleFunnel, ArticleStats
from app.bot.types import HELPFUL_NO, HELPFUL_YES
from app.conversations.models import Message, Outcome
from app.kb.models import Article
from app.types import Direction, OutcomeKind

# A message carrying an article that counts as serving it: a bot (or agent) reply.
SERVED = Message.direction == Direction.outbound.value


def rated(action: str) -> ColumnElement[bool]:
    """A customer's press rating the article it carries (``helpful_yes`` / ``helpful_no``)."""
    return and_(Message.direction == Direction.inbound.value, Message.action == action)


async def article_stats(session: AsyncSession, *, period: Period) -> ArticleStats:
    served_rows = await session.execute(
        select(
            Message.article_slug,
            func.count().filter(SERVED),
            func.count().filter(rated(HELPFUL_YES)),
            func.count().filter(rated(HELPFUL_NO)),
        )
        .where(
            Message.created_at >= period.start_at,
            Message.created_at < period.end_at,
            Message.article_slug.is_not(None),
        )
        .group_by(Message.article_slug)
    )
    ended_rows = await session.execute(
        select(
            Outcome.article_slug,
            func.count().filter(Outcome.outcome == OutcomeKind.escalated.value),
            func.count().filter(Outcome.outcome.in_(DEFLECTED)),
            func.count(),
        )
        .where(
            Outcome.conversation_created_at >= period.start_at,
            Outcome.conversation_created_at < period.end_at,
            Outcome.article_slug.is_not(None),
            Outcome.outcome.in_(RATED),
        )
        .group_by(Outcome.article_slug)
    )
    served = {slug: (int(s), int(y), int(n)) for slug, s, y, n in served_rows}
    ended = {slug: (int(e), int(d), int(t)) for slug, e, d, t in ended_rows}
    slugs = sorted(served.keys() | ended.keys())
    questions: dict[str, str] = {}
    if slugs:
        rows = await session.execute(
            select(Article.slug, Article.question).where(Article.slug.in_(slugs))
        )
        questions = {slug: question for slug, question in rows}
    items = []
    for slug in slugs:
        times_served, helpful, not_helpful = served.get(slug, (0, 0, 0))
        escalated, deflected, total = ended.get(slug, (0, 0, 0))
        items.append(
            ArticleFunnel(
                slug=slug,
                question=questions.get(slug),
                served=times_served,
                helpful=helpful,
                not_helpful=not_helpful,
                escalated_after=escalated,
                deflected=deflected,
                ended=total,
                self_service_rate=rate(deflected, total),
            )
        )
    items.sort(key=_worst_first)
    return ArticleStats(items=items)


def _worst_first(item: ArticleFunnel) -> tuple[int, int, float, int, str]:
    unknown_rate = 101.0  # no ended conversation yet: after every article with a known rate
    return (
        -item.escalated_after,
        -item.not_helpful,
        item.self_service_rate if item.self_service_rate is not None else unknown_rate,
        -item.served,
        item.slug,
    )
