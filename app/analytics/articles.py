"""The article funnel: served -> rated helpful / not helpful -> escalated anyway.

Articles customers read and then still escalate from are the ones to rewrite, so they sort
first. An article's self-service rate counts the ended conversations whose *last* served
article it was (``outcomes.article_slug``): that is the answer the customer left with.
"""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.counting import DEFLECTED, RATED, rate
from app.analytics.periods import Period
from app.analytics.schemas import ArticleFunnel, ArticleStats
from app.bot.types import HELPFUL_NO, HELPFUL_YES
from app.conversations.models import Conversation, Message, Outcome
from app.kb.models import Article
from app.types import Direction, OutcomeKind


async def article_stats(session: AsyncSession, *, period: Period) -> ArticleStats:
    outbound = Message.direction == Direction.outbound.value
    inbound = Message.direction == Direction.inbound.value
    funnel = (
        select(
            Message.article_slug.label("slug"),
            func.count().filter(outbound).label("served"),
            func.count().filter(inbound, Message.action == HELPFUL_YES).label("helpful"),
            func.count().filter(inbound, Message.action == HELPFUL_NO).label("not_helpful"),
            func.count(Message.conversation_id.distinct())
            .filter(
                outbound,
                Outcome.outcome == OutcomeKind.escalated.value,
                Message.created_at <= Outcome.recorded_at,
            )
            .label("escalated_after"),
        )
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .outerjoin(Outcome, Outcome.conversation_id == Message.conversation_id)
        .where(
            Conversation.created_at >= period.start_at,
            Conversation.created_at < period.end_at,
            Message.article_slug.is_not(None),
        )
        .group_by(Message.article_slug)
        .subquery("funnel")
    )
    funnel_rows = await session.execute(
        select(funnel, Article.question).outerjoin(Article, Article.slug == funnel.c.slug)
    )
    ended_rows = await session.execute(
        select(
            Outcome.article_slug,
            func.count().filter(Outcome.outcome.in_(DEFLECTED)),
            func.count(),
        )
        .where(
            Outcome.conversation_created_at >= period.start_at,
            Outcome.conversation_created_at < period.end_at,
            and_(Outcome.article_slug.is_not(None), Outcome.outcome.in_(RATED)),
        )
        .group_by(Outcome.article_slug)
    )
    ended = {slug: (int(deflected), int(total)) for slug, deflected, total in ended_rows}
    items = []
    for row in funnel_rows:
        deflected, total = ended.pop(row.slug, (0, 0))
        items.append(
            ArticleFunnel(
                slug=row.slug,
                question=row.question,
                served=row.served,
                helpful=row.helpful,
                not_helpful=row.not_helpful,
                escalated_after=row.escalated_after,
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
