"""The seeds' KPIs (``GET /api/v1/stats/kpis``); the definitions, exactly:

- Conversation numbers count conversations *created* in the period (like the self-service
  rate); handoff durations count handoffs created in the period.
- FCR: ended requests (deflected: ``deflected_confirmed`` or ``deflected_assumed``; or a
  resolved handoff) after which the same contact opened no new conversation within
  ``ROUTER_FCR_WINDOW_HOURS`` of the end (the deflection's recording, the resolution) /
  ended requests x 100. ``bot``: the deflected ones; ``human``: the resolved handoffs.
- First response: handoff created -> the agent's first reply. Next response: a customer
  message after an agent's reply -> the agent's next reply (``handoff_reply_waits``).
  Resolution: handoff created -> resolved. AHT: claimed -> resolved (the last claim).
  All medians (p50), in seconds, wall-clock time.
- Escalation rate, self-service rate: as ``/stats/self-service``.
- CSAT: the 1-5 ratings of handoffs created in the period. CES: 1-7 answers. NPS: % of
  promoters (9-10) minus % of detractors (0-6) among 0-10 answers, -100..100.

A ``team`` limits everything to conversations with a handoff of that team (bot FCR is then
null: the bot belongs to no team).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.counting import DEFLECTED, RATED, rate
from app.analytics.kpi_schemas import Average, Fcr, KpiStats, Nps
from app.analytics.periods import Period
from app.analytics.sql import percentiles, plus_hours, seconds_between
from app.conversations.models import Outcome
from app.escalation.models import Handoff
from app.sla.models import ReplyWait
from app.surveys.models import SurveyResponse
from app.types import HandoffStatus


def _handoff_filters(period: Period, channel: str | None, team: int | None) -> list[Any]:
    where: list[Any] = [Handoff.created_at >= period.start_at, Handoff.created_at < period.end_at]
    if channel is not None:
        where.append(Handoff.channel == channel)
    if team is not None:
        where.append(Handoff.team_id == team)
    return where


def _outcome_filters(period: Period, channel: str | None, team: int | None) -> list[Any]:
    where: list[Any] = [
        Outcome.conversation_created_at >= period.start_at,
        Outcome.conversation_created_at < period.end_at,
    ]
    if channel is not None:
        where.append(Outcome.channel == channel)
    if team is not None:
        where.append(
            exists().where(
                Handoff.conversation_id == Outcome.conversation_id, Handoff.team_id == team
            )
        )
    return where


def returned_within(ended_at: Any, hours: int, dialect: str) -> ColumnElement[bool]:
    """The contact opened its next conversation within ``hours`` after ``ended_at``
    (``outcomes.next_conversation_at``, set when that conversation started)."""
    return and_(
        Outcome.next_conversation_at.is_not(None),
        Outcome.next_conversation_at <= plus_hours(ended_at, hours, dialect),
    )


async def _fcr(
    session: AsyncSession, period: Period, channel: str | None, team: int | None, hours: int
) -> Fcr:
    dialect = session.get_bind().dialect.name
    returned = returned_within(Outcome.recorded_at, hours, dialect)
    bot_ended = bot_first = 0
    if team is None:
        bot_ended, bot_first = (
            await session.execute(
                select(func.count(), func.count(case((~returned, 1))))
                .select_from(Outcome)
                .where(*_outcome_filters(period, channel, None), Outcome.outcome.in_(DEFLECTED))
            )
        ).one()
    human_returned = returned_within(Handoff.resolved_at, hours, dialect)
    human_ended, human_first = (
        await session.execute(
            select(func.count(), func.count(case((~human_returned, 1))))
            .select_from(Handoff)
            .join(Outcome, Outcome.conversation_id == Handoff.conversation_id)
            # By the handoff's creation (its index; the conversation began minutes before).
            .where(
                *_handoff_filters(period, channel, team),
                Handoff.status == HandoffStatus.resolved.value,
            )
        )
    ).one()
    return Fcr(
        overall=_pct(bot_first + human_first, bot_ended + human_ended),
        bot=None if team is not None else _pct(bot_first, bot_ended),
        human=_pct(human_first, human_ended),
        window_hours=hours,
    )


def _pct(part: int, whole: int) -> float | None:
    return round(part * 100.0 / whole, 1) if whole else None


async def _durations(
    session: AsyncSession, period: Period, channel: str | None, team: int | None
) -> dict[str, float | None]:
    dialect = session.get_bind().dialect.name
    handoffs = select(
        literal(0).label("g"),
        seconds_between(Handoff.first_agent_reply_at, Handoff.created_at, dialect).label("first"),
        seconds_between(Handoff.resolved_at, Handoff.created_at, dialect).label("resolution"),
        seconds_between(Handoff.resolved_at, Handoff.claimed_at, dialect).label("aht"),
    ).where(*_handoff_filters(period, channel, team))
    spec = [("first", (0.5,)), ("resolution", (0.5,)), ("aht", (0.5,))]
    row = (await session.execute(percentiles(handoffs, spec, dialect))).first()
    waits = (
        select(literal(0).label("g"), ReplyWait.seconds.label("next"))
        .join(Handoff, Handoff.id == ReplyWait.handoff_id)
        .where(*_handoff_filters(period, channel, team))
    )
    waited = (await session.execute(percentiles(waits, [("next", (0.5,))], dialect))).first()
    found = dict(row._mapping) if row is not None else {}
    found.update(dict(waited._mapping) if waited is not None else {})
    return {
        key: None if found.get(key) is None else round(float(found[key]), 1)
        for key in ("first_p50", "resolution_p50", "aht_p50", "next_p50")
    }


async def _rates(
    session: AsyncSession, period: Period, channel: str | None, team: int | None
) -> tuple[float | None, float | None]:
    rows = await session.execute(
        select(Outcome.outcome, func.count())
        .where(*_outcome_filters(period, channel, team), Outcome.outcome.in_(RATED))
        .group_by(Outcome.outcome)
    )
    counts = dict(rows.tuples().all())
    total = sum(counts.values())
    deflected = sum(counts.get(kind, 0) for kind in DEFLECTED)
    return rate(counts.get("escalated", 0), total), rate(deflected, total)


async def _csat(
    session: AsyncSession, period: Period, channel: str | None, team: int | None
) -> Average:
    avg, count = (
        await session.execute(
            select(func.avg(Handoff.csat_score), func.count(Handoff.csat_score)).where(
                *_handoff_filters(period, channel, team)
            )
        )
    ).one()
    return Average(avg=None if avg is None else round(float(avg), 2), count=count)


async def _surveys(
    session: AsyncSession, period: Period, channel: str | None, team: int | None
) -> tuple[Average, Nps]:
    where: list[Any] = [
        SurveyResponse.conversation_created_at >= period.start_at,
        SurveyResponse.conversation_created_at < period.end_at,
        SurveyResponse.score.is_not(None),
    ]
    if channel is not None:
        where.append(SurveyResponse.channel == channel)
    if team is not None:
        where.append(SurveyResponse.team_id == team)
    score = SurveyResponse.score
    rows = await session.execute(
        select(
            SurveyResponse.kind,
            func.count(),
            func.avg(score),
            func.count(case((score >= 9, 1))),
            func.count(case((score <= 6, 1))),
        )
        .where(*where)
        .group_by(SurveyResponse.kind)
    )
    by_kind = {kind: (count, avg, high, low) for kind, count, avg, high, low in rows}
    ces_count, ces_avg, _, _ = by_kind.get("ces", (0, None, 0, 0))
    count, _, promoters, detractors = by_kind.get("nps", (0, None, 0, 0))
    nps = Nps(
        score=round((promoters - detractors) * 100.0 / count, 1) if count else None,
        promoters=promoters,
        passives=count - promoters - detractors,
        detractors=detractors,
        count=count,
    )
    ces = Average(avg=None if ces_avg is None else round(float(ces_avg), 2), count=ces_count)
    return ces, nps


async def kpi_stats(
    session: AsyncSession,
    *,
    period: Period,
    channel: str | None,
    team: int | None,
    fcr_window_hours: int,
) -> KpiStats:
    durations = await _durations(session, period, channel, team)
    escalation_rate, self_service_rate = await _rates(session, period, channel, team)
    ces, nps = await _surveys(session, period, channel, team)
    return KpiStats(
        fcr=await _fcr(session, period, channel, team, fcr_window_hours),
        first_response_p50_s=durations["first_p50"],
        next_response_p50_s=durations["next_p50"],
        resolution_p50_s=durations["resolution_p50"],
        aht_p50_s=durations["aht_p50"],
        escalation_rate=escalation_rate,
        self_service_rate=self_service_rate,
        csat=await _csat(session, period, channel, team),
        ces=ces,
        nps=nps,
    )
