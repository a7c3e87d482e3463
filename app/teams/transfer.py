"""Transfers: a handoff moves to another team's queue or straight to another agent.

The holder may hand their handoff on; supervisors (and admins) may move any open one. Rows
are locked in the order every handoff action uses (conversation, handoff, then the agent), so
a transfer and a customer's message or an agent's reply are serialised, not deadlocked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import actor_of, record
from app.auth import Principal
from app.conversations.models import Conversation
from app.escalation.errors import HandoffClosed, HandoffNotFound, NotClaimHolder
from app.escalation.models import Agent, Handoff, HandoffEvent
from app.escalation.notifier import notify_after_commit
from app.events.hooks import handoff_changed
from app.teams.assignment import assign_waiting, lock_teams, open_count_of, teams_of
from app.teams.errors import AgentAtCapacity, UnknownAgent, UnknownTeam
from app.teams.models import Team
from app.types import HandoffStatus

_CLOSED = (HandoffStatus.resolved.value, HandoffStatus.cancelled.value)


async def _lock(session: AsyncSession, handoff_id: int, principal: Principal) -> Handoff:
    conversation_id = await session.scalar(
        select(Handoff.conversation_id).where(Handoff.id == handoff_id)
    )
    if conversation_id is None:
        raise HandoffNotFound(f"handoff {handoff_id} does not exist")
    await session.execute(
        select(Conversation.id).where(Conversation.id == conversation_id).with_for_update()
    )
    handoff = await session.scalar(
        select(Handoff)
        .where(Handoff.id == handoff_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if handoff is None:
        raise HandoffNotFound(f"handoff {handoff_id} does not exist")
    if handoff.status in _CLOSED:
        raise HandoffClosed(f"handoff {handoff_id} is {handoff.status}")
    holds = (
        handoff.status == HandoffStatus.assigned
        and principal.agent_id is not None
        and handoff.agent_id == principal.agent_id
    )
    if not (holds or principal.is_supervisor):
        raise NotClaimHolder("only the agent holding the handoff or a supervisor may transfer it")
    return handoff


async def transfer_handoff(
    session: AsyncSession,
    *,
    handoff_id: int,
    principal: Principal,
    team_id: int | None,
    agent_id: int | None,
    now: datetime,
    lease_seconds: int,
) -> Handoff:
    """Exactly one of ``team_id`` (the handoff waits in that team's queue, or goes to one of
    its members at once when the team assigns automatically) or ``agent_id`` (the agent holds
    it now, within their limit). Capacity freed by the move is assigned again."""
    handoff = await _lock(session, handoff_id, principal)
    previous_agent, previous_team = handoff.agent_id, handoff.team_id
    if team_id is not None and await session.get(Team, team_id) is None:
        raise UnknownTeam(f"team {team_id} does not exist")
    # The new team's members, and the previous holder's teams (a place comes free): locked
    # before any agent, the order auto-assignment uses.
    teams = {team_id or handoff.team_id} - {None}
    if previous_agent is not None:
        teams.update(await teams_of(session, previous_agent))
    await lock_teams(session, [t for t in teams if t is not None])
    if team_id is not None:
        handoff.team_id = team_id
        handoff.status = HandoffStatus.waiting.value
        handoff.agent_id = None
        handoff.lease_expires_at = None
    else:
        assert agent_id is not None  # the schema asks for exactly one
        agent = await session.scalar(
            select(Agent).where(Agent.id == agent_id, Agent.active.is_(True)).with_for_update()
        )
        if agent is None:
            raise UnknownAgent(f"no active agent with id {agent_id}")
        if handoff.agent_id != agent.id:
            held = int(await session.scalar(open_count_of(agent.id)) or 0)
            if held >= agent.max_open:
                raise AgentAtCapacity(
                    f"{agent.name} holds {held} of at most {agent.max_open} handoffs"
                )
        handoff.status = HandoffStatus.assigned.value
        handoff.agent_id = agent.id
        handoff.claimed_at = now
        handoff.lease_expires_at = now + timedelta(seconds=lease_seconds)
        agent.last_assigned_at = now
    session.add(
        HandoffEvent(
            handoff_id=handoff.id, kind="transferred", agent_id=handoff.agent_id, created_at=now
        )
    )
    await record(
        session,
        actor=actor_of(principal),
        action="handoff.transfer",
        target=f"handoff:{handoff.id}",
        details={
            "from_team_id": previous_team,
            "from_agent_id": previous_agent,
            "team_id": handoff.team_id,
            "agent_id": handoff.agent_id,
        },
        at=now,
    )
    await session.flush()
    notify_after_commit(session)
    if previous_agent is not None and previous_agent != handoff.agent_id:
        await handoff_changed(session, handoff.id, "released", now=now, agent_id=previous_agent)
    if handoff.agent_id is not None and handoff.agent_id != previous_agent:
        await handoff_changed(session, handoff.id, "claimed", now=now)  # rings the new holder
    if teams:
        # A holder who passes it on does not get it back from their own team's assignment.
        avoid = {handoff.id: previous_agent} if previous_agent is not None else None
        await assign_waiting(
            session,
            now=now,
            lease_seconds=lease_seconds,
            team_ids=[t for t in teams if t is not None],
            avoid=avoid,
        )
    return handoff
