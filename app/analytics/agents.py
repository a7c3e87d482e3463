"""Agent KPIs: queue now, time to claim / first reply / resolution, CSAT.

Durations start at the handoff's ``created_at``: the minutes the customer spent with the bot
before asking for a human are not agent time. Handoffs count in the period they were created.
Percentiles are computed by the database (``percentile_cont`` on PostgreSQL, an equivalent
window-function query on SQLite; see ``app.analytics.sql.percentiles``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.agenttools.labels import labelled
from app.analytics.periods import Period
from app.analytics.schemas import AgentRow, AgentStats, OverallKpis
from app.analytics.sql import percentiles, seconds_between
from app.escalation.models import Agent, Handoff
from app.types import HandoffStatus

# metric name -> (end column, percentiles reported)
METRICS: dict[str, tuple[Any, tuple[float, ...]]] = {
    "claim": (Handoff.claimed_at, (0.5, 0.9)),
    "first_reply": (Handoff.first_agent_reply_at, (0.5, 0.9)),
    "resolution": (Handoff.resolved_at, (0.5,)),
}
OVERALL = -1  # group key of the all-agents row


def _in(period: Period, label: str | None = None) -> tuple[Any, ...]:
    where = (Handoff.created_at >= period.start_at, Handoff.created_at < period.end_at)
    # An agent's label on the conversation (issue 32).
    return where if label is None else (*where, labelled(Handoff.conversation_id, label))


async def _percentiles(
    session: AsyncSession, period: Period, group: Any, label: str | None = None
) -> dict[int, dict[str, float | None]]:
    dialect = session.get_bind().dialect.name
    durations = select(
        group.label("g"),
        *(
            seconds_between(end, Handoff.created_at, dialect).label(name)
            for name, (end, _) in METRICS.items()
        ),
    ).where(*_in(period, label))
    spec = [(name, fractions) for name, (_, fractions) in METRICS.items()]
    rows = await session.execute(percentiles(durations, spec, dialect))
    return {
        int(row.g): {
            f"{key}_s": None if value is None else round(float(value), 1)
            for key, value in row._mapping.items()
            if key != "g"
        }
        for row in rows
    }


async def _totals(
    session: AsyncSession, period: Period, group: Any, label: str | None = None
) -> dict[int, dict[str, Any]]:
    rows = await session.execute(
        select(
            group.label("g"),
            func.count(),
            func.count(Handoff.resolved_at),
            func.avg(Handoff.csat_score),
            func.count(Handoff.csat_score),
        )
        .where(*_in(period, label))
        .group_by(group)
    )
    return {
        int(g): {
            "handoffs": handoffs,
            "resolved": resolved,
            "csat_avg": None if csat_avg is None else round(float(csat_avg), 2),
            "csat_count": csat_count,
        }
        for g, handoffs, resolved, csat_avg, csat_count in rows
    }


def _kpis(totals: dict[str, Any], spans: dict[str, float | None]) -> dict[str, Any]:
    empty = {"handoffs": 0, "resolved": 0, "csat_avg": None, "csat_count": 0}
    names = [f"{n}_p{round(f * 100)}_s" for n, (_, fs) in METRICS.items() for f in fs]
    return {**empty, **totals, **{n: spans.get(n) for n in names}}


async def agent_stats(
    session: AsyncSession, *, period: Period, now: datetime, label: str | None = None
) -> AgentStats:
    overall_group = literal(OVERALL)
    agent_group = func.coalesce(Handoff.agent_id, OVERALL - 1)
    totals = await _totals(session, period, overall_group, label)
    spans = await _percentiles(session, period, overall_group, label)
    agent_totals = await _totals(session, period, agent_group, label)
    agent_spans = await _percentiles(session, period, agent_group, label)
    waiting = (
        await session.execute(
            select(func.count(), func.min(Handoff.created_at)).where(
                Handoff.status == HandoffStatus.waiting.value
            )
        )
    ).one()
    assigned_rows = await session.execute(
        select(Handoff.agent_id, func.count())
        .where(Handoff.status == HandoffStatus.assigned.value)
        .group_by(Handoff.agent_id)
    )
    assigned = {agent_id: count for agent_id, count in assigned_rows}
    oldest: datetime | None = waiting[1]
    overall = OverallKpis(
        **_kpis(totals.get(OVERALL, {}), spans.get(OVERALL, {})),
        waiting_now=waiting[0],
        oldest_waiting_s=None if oldest is None else round((now - oldest).total_seconds(), 1),
    )
    agents: Sequence[Agent] = (await session.scalars(select(Agent).order_by(Agent.id))).all()
    rows = [
        AgentRow(
            id=agent.id,
            name=agent.name,
            assigned_now=assigned.get(agent.id, 0),
            **_kpis(agent_totals.get(agent.id, {}), agent_spans.get(agent.id, {})),
        )
        for agent in agents
        if agent.active or agent.id in agent_totals
    ]
    return AgentStats(overall=overall, agents=rows)
