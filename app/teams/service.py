"""Teams: create, change, delete, list with members; an agent's memberships."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.errors import ValidationFailed
from app.escalation.errors import AgentNotFound
from app.escalation.models import Agent, Handoff
from app.escalation.schemas import AgentOut
from app.teams.errors import TeamNameTaken, TeamNotFound, UnknownAgent, UnknownTeam
from app.teams.models import Team, TeamMember
from app.teams.schemas import (
    Directory,
    DirectoryAgent,
    TeamIn,
    TeamMemberOut,
    TeamOut,
    TeamPatch,
    TeamRef,
)
from app.types import HandoffStatus

MAX_CATEGORIES = 200


def _clean_categories(categories: Iterable[str]) -> list[str]:
    """Trimmed, lower-case, unique, in the order given (category slugs)."""
    seen: dict[str, None] = {}
    for raw in categories:
        slug = raw.strip().lower()
        if not slug:
            raise ValidationFailed("a category must not be blank")
        seen[slug] = None
    return list(seen)


def _clean_name(name: str) -> str:
    clean = name.strip()
    if not clean:
        raise ValidationFailed("team name must not be blank")
    return clean


async def _name_free(session: AsyncSession, name: str, team_id: int | None = None) -> None:
    # Case-insensitive: "Billing" and "billing" would route alike in ROUTER_DEFAULT_TEAM.
    taken = await session.scalar(
        select(Team.id).where(func.lower(Team.name) == name.lower(), Team.id != (team_id or 0))
    )
    if taken is not None:
        raise TeamNameTaken(f"a team named {name!r} exists already")


async def _flush_unique(session: AsyncSession, name: str) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as error:  # a concurrent create with the same name won
        raise TeamNameTaken(f"a team named {name!r} exists already") from error


async def create_team(session: AsyncSession, body: TeamIn, *, now: datetime) -> Team:
    name = _clean_name(body.name)
    await _name_free(session, name)
    team = Team(
        name=name,
        categories=_clean_categories(body.categories),
        auto_assign=body.auto_assign,
        created_at=now,
    )
    session.add(team)
    await _flush_unique(session, name)
    if body.members is not None:
        await set_members(session, team.id, body.members)
    return team


async def get_team(session: AsyncSession, team_id: int) -> Team:
    team = await session.get(Team, team_id)
    if team is None:
        raise TeamNotFound(f"team {team_id} does not exist")
    return team


async def update_team(session: AsyncSession, team_id: int, body: TeamPatch) -> Team:
    team = await get_team(session, team_id)
    if body.name is not None:
        name = _clean_name(body.name)
        await _name_free(session, name, team.id)
        team.name = name
    if body.categories is not None:
        team.categories = _clean_categories(body.categories)
    if body.auto_assign is not None:
        team.auto_assign = body.auto_assign
    await _flush_unique(session, team.name)
    if body.members is not None:
        await set_members(session, team.id, body.members)
    return team


async def delete_team(session: AsyncSession, team_id: int) -> Team:
    """Its handoffs keep waiting, without a team (the foreign key sets it null)."""
    team = await get_team(session, team_id)
    await session.delete(team)
    await session.flush()
    return team


async def set_members(session: AsyncSession, team_id: int, agent_ids: Sequence[int]) -> None:
    wanted = set(agent_ids)
    known = set(await session.scalars(select(Agent.id).where(Agent.id.in_(wanted), Agent.active)))
    if wanted - known:
        missing = ", ".join(str(i) for i in sorted(wanted - known))
        raise UnknownAgent(f"no active agent with id {missing}")
    await session.execute(delete(TeamMember).where(TeamMember.team_id == team_id))
    session.add_all(TeamMember(team_id=team_id, agent_id=agent_id) for agent_id in sorted(wanted))
    await session.flush()


async def set_agent_teams(session: AsyncSession, agent_id: int, team_ids: Sequence[int]) -> None:
    """Make the agent a member of exactly these teams."""
    wanted = set(team_ids)
    known = set(await session.scalars(select(Team.id).where(Team.id.in_(wanted))))
    if wanted - known:
        missing = ", ".join(str(i) for i in sorted(wanted - known))
        raise UnknownTeam(f"no team with id {missing}")
    await session.execute(delete(TeamMember).where(TeamMember.agent_id == agent_id))
    session.add_all(TeamMember(team_id=team_id, agent_id=agent_id) for team_id in sorted(wanted))
    await session.flush()


async def teams_of_agents(session: AsyncSession, agent_ids: Sequence[int]) -> dict[int, list[int]]:
    rows = await session.execute(
        select(TeamMember.agent_id, TeamMember.team_id)
        .where(TeamMember.agent_id.in_(agent_ids))
        .order_by(TeamMember.team_id)
    )
    found: dict[int, list[int]] = defaultdict(list)
    for agent_id, team_id in rows.tuples():
        found[agent_id].append(team_id)
    return found


async def team_views(session: AsyncSession, teams: Sequence[Team]) -> list[TeamOut]:
    """Teams with their members, in two queries however many teams."""
    rows = await session.execute(
        select(TeamMember.team_id, Agent)
        .join(Agent, Agent.id == TeamMember.agent_id)
        .where(TeamMember.team_id.in_([t.id for t in teams]))
        .order_by(Agent.name, Agent.id)
    )
    members: dict[int, list[TeamMemberOut]] = defaultdict(list)
    for team_id, agent in rows.tuples():
        members[team_id].append(TeamMemberOut(id=agent.id, name=agent.name, status=agent.status))
    return [
        TeamOut(
            id=t.id,
            name=t.name,
            categories=list(t.categories or []),
            auto_assign=t.auto_assign,
            members=members.get(t.id, []),
            created_at=t.created_at,
        )
        for t in teams
    ]


async def list_teams(session: AsyncSession) -> list[TeamOut]:
    teams = (await session.scalars(select(Team).order_by(Team.name, Team.id))).all()
    return await team_views(session, teams)


async def configure_routing(
    session: AsyncSession, agent: Agent, *, teams: Sequence[int] | None, max_open: int | None
) -> None:
    """A new agent's teams and limit (``POST /api/v1/agents``)."""
    if max_open is not None:
        agent.max_open = max_open
    if teams is not None:
        await set_agent_teams(session, agent.id, teams)
    await session.flush()


async def change_routing(
    session: AsyncSession,
    *,
    agent_id: int,
    teams: Sequence[int] | None,
    max_open: int | None,
    actor: str,
) -> Agent:
    """An existing agent's teams and limit (``PATCH /api/v1/agents/{id}``). A lower limit
    takes nothing away: the agent gets no new handoff until under it."""
    agent = await session.get(Agent, agent_id)
    if agent is None:
        raise AgentNotFound(f"agent {agent_id} does not exist")
    held = (await teams_of_agents(session, [agent_id])).get(agent_id, [])
    before: dict[str, object] = {"teams": held, "max_open": agent.max_open}
    await configure_routing(session, agent, teams=teams, max_open=max_open)
    after: dict[str, object] = {
        "teams": sorted(set(teams)) if teams is not None else held,
        "max_open": agent.max_open,
    }
    if after != before:
        await record(
            session,
            actor=actor,
            action="agent.routing_changed",
            target=f"agent:{agent_id}",
            details={"from": before, "to": after},
        )
    return agent


async def agents_with_load(session: AsyncSession, agents: Sequence[Agent]) -> list[AgentOut]:
    """Agents with their presence, open handoffs and teams (``GET /api/v1/agents``)."""
    ids = [a.id for a in agents]
    rows = await session.execute(
        select(Handoff.agent_id, func.count())
        .where(Handoff.agent_id.in_(ids), Handoff.status == HandoffStatus.assigned.value)
        .group_by(Handoff.agent_id)
    )
    counts = {agent_id: int(n) for agent_id, n in rows.tuples()}
    teams = await teams_of_agents(session, ids)
    return [
        AgentOut.model_validate(a, from_attributes=True).model_copy(
            update={"open_count": counts.get(a.id, 0), "teams": teams.get(a.id, [])}
        )
        for a in agents
    ]


async def directory(session: AsyncSession) -> Directory:
    teams = (await session.scalars(select(Team).order_by(Team.name, Team.id))).all()
    agents = (
        await session.scalars(select(Agent).where(Agent.active.is_(True)).order_by(Agent.name))
    ).all()
    loads = await agents_with_load(session, agents)
    return Directory(
        teams=[TeamRef(id=t.id, name=t.name) for t in teams],
        agents=[DirectoryAgent.model_validate(a.model_dump()) for a in loads],
    )
