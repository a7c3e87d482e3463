"""SLA compliance (``GET /api/v1/stats/sla``) by policy, metric, team, agent and channel.

Handoffs created in the period that a policy applied to. ``hit`` and ``missed`` are
handoffs whose clock ended without / with a breach (a handoff is missed from its first
breach on, even while still open); ``compliance`` = hit / (hit + missed) x 100, null when
neither. Per metric, the same for that metric alone; ``handoffs`` there counts those with
the target. One grouped scan; the folding happens over a few hundred groups in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.kpi_schemas import ByChannel, Compliance, Named, SlaStats
from app.analytics.periods import Period
from app.escalation.models import Agent, Handoff
from app.sla.models import HandoffSla, SlaPolicy
from app.sla.service import METRICS
from app.teams.models import Team


class _Tally:
    def __init__(self) -> None:
        self.handoffs = self.hit = self.missed = 0

    def add(self, status: str | None, count: int) -> None:
        self.handoffs += count
        if status == "hit":
            self.hit += count
        elif status == "missed":
            self.missed += count

    def out(self) -> dict[str, Any]:
        done = self.hit + self.missed
        compliance = round(self.hit * 100.0 / done, 1) if done else None
        return {
            "handoffs": self.handoffs,
            "hit": self.hit,
            "missed": self.missed,
            "compliance": compliance,
        }


async def _names(session: AsyncSession, model: Any, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(model.id, model.name).where(model.id.in_(wanted)))
    return dict(rows.tuples().all())


async def sla_stats(
    session: AsyncSession, *, period: Period, channel: str | None, team: int | None
) -> SlaStats:
    where: list[Any] = [
        HandoffSla.status.is_not(None),
        Handoff.created_at >= period.start_at,
        Handoff.created_at < period.end_at,
    ]
    if channel is not None:
        where.append(Handoff.channel == channel)
    if team is not None:
        where.append(Handoff.team_id == team)
    keys = (
        HandoffSla.policy_id,
        HandoffSla.policy_name,
        Handoff.team_id,
        Handoff.agent_id,
        Handoff.channel,
        HandoffSla.status,
        HandoffSla.first_response_status,
        HandoffSla.next_response_status,
        HandoffSla.resolution_status,
        HandoffSla.next_response_s.is_not(None),
        HandoffSla.resolution_s.is_not(None),
    )

    rows = (
        await session.execute(
            select(*keys, func.count())
            .select_from(HandoffSla)
            .join(Handoff, Handoff.id == HandoffSla.handoff_id)
            .where(*where)
            .group_by(*keys)
        )
    ).all()
    policies: defaultdict[int | None, _Tally] = defaultdict(_Tally)
    snapshot: dict[int | None, str | None] = {}
    teams: defaultdict[int | None, _Tally] = defaultdict(_Tally)
    agents: defaultdict[int | None, _Tally] = defaultdict(_Tally)
    channels: defaultdict[str, _Tally] = defaultdict(_Tally)
    metrics = {metric: _Tally() for metric in METRICS}
    for row in rows:
        (policy_id, policy_name, team_id, agent_id, row_channel, status, first, nxt, res) = row[:9]
        has_next, has_resolution, count = row[9], row[10], row[11]
        policies[policy_id].add(status, count)
        snapshot.setdefault(policy_id, policy_name)
        teams[team_id].add(status, count)
        agents[agent_id].add(status, count)
        channels[row_channel].add(status, count)
        metrics["first_response"].add(first, count)
        if has_next:
            metrics["next_response"].add(nxt, count)
        if has_resolution:
            metrics["resolution"].add(res, count)
    policy_names = await _names(session, SlaPolicy, policies)
    team_names = await _names(session, Team, teams)
    agent_names = await _names(session, Agent, agents)

    def named(tallies: dict[Any, _Tally], names: dict[int, str], fallback: dict[Any, Any]) -> Any:
        return [
            Named(id=key, name=names.get(key, fallback.get(key)), **tally.out())
            for key, tally in sorted(tallies.items(), key=lambda kv: -kv[1].handoffs)
        ]

    return SlaStats(
        policies=named(policies, policy_names, snapshot),
        by_metric={metric: Compliance(**tally.out()) for metric, tally in metrics.items()},
        by_team=named(teams, team_names, {}),
        by_agent=named(agents, agent_names, {}),
        by_channel=[
            ByChannel(channel=key, **tally.out())
            for key, tally in sorted(channels.items(), key=lambda kv: -kv[1].handoffs)
        ],
    )
