"""The self-service usage rate: overall, per channel, per reason, over time, and durable.

Every number is a GROUP BY over the outcomes of conversations *created* in the period
(``outcomes.conversation_created_at`` is copied from the conversation for exactly this), plus
a count of the conversations created, so ``open = created - with an outcome``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from app.agenttools.labels import labelled
from app.analytics.counting import DEFLECTED, outcome_counts, rate
from app.analytics.periods import Bucket, Granularity, Period, buckets
from app.analytics.schemas import OutcomeCounts, SelfServiceStats, SeriesPoint
from app.analytics.sql import bucket_table, plus_hours
from app.conversations.models import Conversation, Outcome
from app.types import Channel, EscalationReason, OutcomeKind


def _outcomes_in(
    period: Period, channel: str | None, label: str | None = None
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        Outcome.conversation_created_at >= period.start_at,
        Outcome.conversation_created_at < period.end_at,
    ]
    if channel is not None:
        where.append(Outcome.channel == channel)
    if label is not None:
        where.append(labelled(Outcome.conversation_id, label))
    return where


async def _durable_deflected(
    session: AsyncSession,
    period: Period,
    channel: str | None,
    window_hours: int,
    label: str | None = None,
) -> int:
    """Deflections with no escalation from the same contact within the recontact window.

    A customer who "solved it themselves" and is back asking a human the next morning was
    not really served by the bot; this count drops them. ``outcomes.contact_id`` (copied
    from the conversation) keeps this one anti-join over outcomes.
    """
    dialect = session.get_bind().dialect.name
    later = aliased(Outcome)
    escalated_later = exists().where(
        later.contact_id == Outcome.contact_id,
        later.conversation_id != Outcome.conversation_id,
        later.outcome == OutcomeKind.escalated.value,
        # Implied by the next line (deflections are recorded after `from`); lets the
        # database skip older escalations.
        later.recorded_at >= period.start_at,
        later.recorded_at >= Outcome.recorded_at,
        later.recorded_at < plus_hours(Outcome.recorded_at, window_hours, dialect),
    )
    statement = (
        select(func.count())
        .select_from(Outcome)
        .where(
            *_outcomes_in(period, channel, label), Outcome.outcome.in_(DEFLECTED), ~escalated_later
        )
    )
    return int(await session.scalar(statement) or 0)


async def _grouped(
    session: AsyncSession, items: list[Bucket], channel: str | None, label: str | None = None
) -> tuple[list[Any], list[Any]]:
    """Outcomes per (bucket, channel, outcome, reason) and conversations per (bucket, channel).

    A single bucket when no series was asked for, so there is one code path; the range join
    against the bucket table reads the covering indexes only.
    """
    table = bucket_table(items)
    outcome_rows = await session.execute(
        select(table.c.idx, Outcome.channel, Outcome.outcome, Outcome.reason, func.count())
        .select_from(table)
        .join(
            Outcome,
            and_(
                Outcome.conversation_created_at >= table.c.start_at,
                Outcome.conversation_created_at < table.c.end_at,
            ),
        )
        .where(*([Outcome.channel == channel] if channel else []))
        .where(*([labelled(Outcome.conversation_id, label)] if label else []))
        .group_by(table.c.idx, Outcome.channel, Outcome.outcome, Outcome.reason)
    )
    conversation_rows = await session.execute(
        select(table.c.idx, Conversation.channel, func.count())
        .select_from(table)
        .join(
            Conversation,
            and_(
                Conversation.created_at >= table.c.start_at,
                Conversation.created_at < table.c.end_at,
            ),
        )
        .where(*([Conversation.channel == channel] if channel else []))
        .where(*([labelled(Conversation.id, label)] if label else []))
        .group_by(table.c.idx, Conversation.channel)
    )
    return list(outcome_rows), list(conversation_rows)


def _nested() -> defaultdict[str, int]:
    return defaultdict(int)


async def self_service_stats(
    session: AsyncSession,
    *,
    period: Period,
    channel: str | None,
    tz: ZoneInfo,
    recontact_window_hours: int,
    granularity: Granularity | None = None,
    label: str | None = None,
) -> SelfServiceStats:
    if granularity:
        items = buckets(period, granularity, tz)
    else:
        items = [Bucket(period.start_at.astimezone(tz), period.start_at, period.end_at)]
    outcome_rows, conversation_rows = await _grouped(session, items, channel, label)

    # Folding a few hundred grouped rows (buckets x channels x outcomes), not raw data.
    channels = [channel] if channel else [c.value for c in Channel]
    per_channel: dict[str, defaultdict[str, int]] = {c: _nested() for c in channels}
    per_bucket: dict[int, defaultdict[str, int]] = defaultdict(_nested)
    overall: defaultdict[str, int] = _nested()
    reasons: dict[str, int] = {r.value: 0 for r in EscalationReason}
    for idx, row_channel, outcome, reason, count in outcome_rows:
        per_channel.setdefault(row_channel, _nested())[outcome] += count
        per_bucket[idx][outcome] += count
        overall[outcome] += count
        if outcome == OutcomeKind.escalated.value:
            key = reason or "unknown"
            reasons[key] = reasons.get(key, 0) + count
    created_by_channel: defaultdict[str, int] = _nested()
    created_by_bucket: defaultdict[int, int] = defaultdict(int)
    for idx, row_channel, count in conversation_rows:
        created_by_channel[row_channel] += count
        created_by_bucket[idx] += count
    by_channel: dict[str, OutcomeCounts] = {
        c: outcome_counts(per_channel.get(c, {}), created_by_channel.get(c, 0))
        for c in sorted(
            per_channel.keys() | created_by_channel.keys(), key=channels_first(channels)
        )
    }
    totals = outcome_counts(overall, sum(created_by_channel.values()))
    durable = await _durable_deflected(session, period, channel, recontact_window_hours, label)
    series = None
    if granularity:
        series = [
            SeriesPoint(
                period_start=bucket.starts,
                **outcome_counts(per_bucket.get(i, {}), created_by_bucket.get(i, 0)).model_dump(),
            )
            for i, bucket in enumerate(items)
        ]
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


def channels_first(known: list[str]) -> Callable[[str], tuple[int, str]]:
    """Sort key: the known channels in their usual order, then anything else by name."""
    return lambda name: (known.index(name) if name in known else len(known), name)
