"""The self-service usage rate: overall, per channel, per reason, over time, and durable.

Every number is a GROUP BY over the outcomes of conversations *created* in the period
(``outcomes.conversation_created_at`` is copied from the conversation for exactly this), plus
a count of the conversations created, so ``open = created - with an outcome``.
"""

from __future__ import annotations

from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from app.analytics.counting import DEFLECTED, outcome_counts, rate
from app.analytics.periods import Granularity, Period, buckets
from app.analytics.schemas import OutcomeCounts, SelfServiceStats, SeriesPoint
from app.analytics.sql import bucket_table, plus_hours
from app.conversations.models import Conversation, Outcome
from app.types import Channel, EscalationReason, OutcomeKind


def _outcomes_in(period: Period, channel: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        Outcome.conversation_created_at >= period.start_at,
        Outcome.conversation_created_at < period.end_at,
    ]
    if channel is not None:
        where.append(Outcome.channel == channel)
    return where


def _conversations_in(period: Period, channel: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        Conversation.created_at >= period.start_at,
        Conversation.created_at < period.end_at,
    ]
    if channel is not None:
        where.append(Conversation.channel == channel)
    return where


async def _durable_deflected(
    session: AsyncSession, period: Period, channel: str | None, window_hours: int
) -> int:
    """Deflections with no escalation from the same contact within the recontact window.

    A customer who "solved it themselves" and is back asking a human the next morning was
    not really served by the bot; this count drops them.
    """
    dialect = session.get_bind().dialect.name
    deflected_conversation = aliased(Conversation)
    later = aliased(Outcome)
    later_conversation = aliased(Conversation)
    escalated_later = exists().where(
        later_conversation.contact_id == deflected_conversation.contact_id,
        later_conversation.id != deflected_conversation.id,
        later.conversation_id == later_conversation.id,
        later.outcome == OutcomeKind.escalated.value,
        later.recorded_at >= Outcome.recorded_at,
        later.recorded_at < plus_hours(Outcome.recorded_at, window_hours, dialect),
    )
    statement = (
        select(func.count())
        .select_from(Outcome)
        .join(deflected_conversation, deflected_conversation.id == Outcome.conversation_id)
        .where(*_outcomes_in(period, channel), Outcome.outcome.in_(DEFLECTED), ~escalated_later)
    )
    return int(await session.scalar(statement) or 0)


async def _series(
    session: AsyncSession,
    period: Period,
    channel: str | None,
    granularity: Granularity,
    tz: ZoneInfo,
) -> list[SeriesPoint]:
    items = buckets(period, granularity, tz)
    if not items:
        return []
    table = bucket_table(items)
    outcome_rows = await session.execute(
        select(table.c.idx, Outcome.outcome, func.count())
        .select_from(table)
        .join(
            Outcome,
            and_(
                Outcome.conversation_created_at >= table.c.start_at,
                Outcome.conversation_created_at < table.c.end_at,
            ),
        )
        .where(*([Outcome.channel == channel] if channel else []))
        .group_by(table.c.idx, Outcome.outcome)
    )
    conversation_rows = await session.execute(
        select(table.c.idx, func.count())
        .select_from(table)
        .join(
            Conversation,
            and_(
                Conversation.created_at >= table.c.start_at,
                Conversation.created_at < table.c.end_at,
            ),
        )
        .where(*([Conversation.channel == channel] if channel else []))
        .group_by(table.c.idx)
    )
    by_bucket: dict[int, dict[str, int]] = defaultdict(dict)
    for idx, outcome, count in outcome_rows:
        by_bucket[idx][outcome] = count
    created = {idx: count for idx, count in conversation_rows}
    return [
        SeriesPoint(
            period_start=bucket.starts,
            **outcome_counts(by_bucket.get(i, {}), created.get(i, 0)).model_dump(),
        )
        for i, bucket in enumerate(items)
    ]


async def self_service_stats(
    session: AsyncSession,
    *,
    period: Period,
    channel: str | None,
    tz: ZoneInfo,
    recontact_window_hours: int,
    granularity: Granularity | None = None,
) -> SelfServiceStats:
    outcome_rows = await session.execute(
        select(Outcome.channel, Outcome.outcome, Outcome.reason, func.count())
        .where(*_outcomes_in(period, channel))
        .group_by(Outcome.channel, Outcome.outcome, Outcome.reason)
    )
    conversation_rows = await session.execute(
        select(Conversation.channel, func.count())
        .where(*_conversations_in(period, channel))
        .group_by(Conversation.channel)
    )
    channels = [channel] if channel else [c.value for c in Channel]
    per_channel: dict[str, dict[str, int]] = {c: defaultdict(int) for c in channels}
    overall: dict[str, int] = defaultdict(int)
    reasons: dict[str, int] = {r.value: 0 for r in EscalationReason}
    for row_channel, outcome, reason, count in outcome_rows:
        per_channel.setdefault(row_channel, defaultdict(int))[outcome] += count
        overall[outcome] += count
        if outcome == OutcomeKind.escalated.value:
            key = reason or "unknown"
            reasons[key] = reasons.get(key, 0) + count
    created = {row_channel: count for row_channel, count in conversation_rows}
    by_channel: dict[str, OutcomeCounts] = {
        c: outcome_counts(counts, created.get(c, 0)) for c, counts in per_channel.items()
    }
    for c in created.keys() - by_channel.keys():
        by_channel[c] = outcome_counts({}, created[c])
    totals = outcome_counts(overall, sum(created.values()))
    durable = await _durable_deflected(session, period, channel, recontact_window_hours)
    series = await _series(session, period, channel, granularity, tz) if granularity else None
    return SelfServiceStats(
        **totals.model_dump(),
        from_at=period.start_at,
        to_at=period.end_at,
        channel=channel,
        timezone=tz.key,
        durable_deflected=durable,
        durable_self_service_rate=rate(durable, totals.total),
        recontact_window_hours=recontact_window_hours,
        by_channel=by_channel,
        escalation_reasons=reasons,
        granularity=granularity,
        series=series,
    )
