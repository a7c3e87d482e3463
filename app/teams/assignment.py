"""Auto-assignment for teams with ``auto_assign``: a waiting handoff goes to an online member
with ``open_count < max_open``, fewest open first, then longest since their last assignment.

Never two holders: the handoff changes with one conditional UPDATE (``status = 'waiting'``),
as a claim does. Never over capacity, also with several replicas: assignment for a team runs
under a lock on the team's row (so one transaction at a time fills a team's places, and each
sees the others' commits), and an agent's open count is read again under a lock on the
agent's row (an agent may be in several teams).

Lock order, everywhere: conversation, handoff, teams (by id), agent. Waiting handoffs and
agents another transaction holds are skipped (``SKIP LOCKED``), never waited for, so no
cycle can form with claims, replies, transfers or new handoffs; whatever a skip leaves
waiting is taken by the next event or the routing job (``run_routing``). SQLite serialises
writers, which gives the same guarantees there.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.audit.service import record
from app.db_util import rowcount
from app.escalation.models import Agent, Handoff, HandoffEvent
from app.escalation.notifier import notify_after_commit
from app.events.hooks import handoff_changed
from app.teams.models import Team, TeamMember
from app.types import HandoffStatus

ONLINE = "online"
# Waiting handoffs looked at per run; the next run (an event, the job) takes the rest.
_BATCH = 200


def open_count_of(agent_id: InstrumentedAttribute[int] | int) -> Select[tuple[int]]:
    """Handoffs the agent holds now (ix_handoffs_agent_id_status)."""
    return (
        select(func.count())
        .select_from(Handoff)
        .where(Handoff.agent_id == agent_id, Handoff.status == HandoffStatus.assigned.value)
    )


def _candidates(team_id: int) -> Select[tuple[int]]:
    open_now = open_count_of(Agent.id).correlate(Agent).scalar_subquery()
    return (
        select(Agent.id)
        .join(TeamMember, and_(TeamMember.agent_id == Agent.id, TeamMember.team_id == team_id))
        .where(Agent.active.is_(True), Agent.status == ONLINE, open_now < Agent.max_open)
        .order_by(
            open_now,
            Agent.last_assigned_at.is_not(None),  # never assigned: longest since, first
            Agent.last_assigned_at,
            Agent.id,
        )
    )


async def _lock_agent_with_room(session: AsyncSession, agent_id: int) -> Agent | None:
    """The agent's row, locked, if still online with room; None when another transaction
    holds it (it is assigning to them: let it) or they filled up meanwhile."""
    agent = await session.scalar(
        select(Agent)
        .where(Agent.id == agent_id, Agent.active.is_(True), Agent.status == ONLINE)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    if agent is None:
        return None
    # Under the lock: a statement of its own, so it sees every commit before the lock.
    held = int(await session.scalar(open_count_of(agent_id)) or 0)
    return agent if held < agent.max_open else None


async def give_to(
    session: AsyncSession, *, handoff_id: int, agent: Agent, now: datetime, lease_seconds: int
) -> bool:
    """Hand a waiting handoff to an agent (whose row the caller locked); False when it is
    not waiting any more. The agent's page is rung: the queue's long-polls wake, and
    ``handoff.claimed`` goes to the event subscribers with the agent in it."""
    result = await session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status == HandoffStatus.waiting.value)
        .values(
            status=HandoffStatus.assigned.value,
            agent_id=agent.id,
            claimed_at=now,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        return False
    agent.last_assigned_at = now
    session.add(
        HandoffEvent(handoff_id=handoff_id, kind="assigned", agent_id=agent.id, created_at=now)
    )
    await record(
        session,
        actor="system:auto-assign",
        action="handoff.assign",
        target=f"handoff:{handoff_id}",
        details={"agent_id": agent.id},
        at=now,
    )
    await session.flush()
    notify_after_commit(session)
    await handoff_changed(session, handoff_id, "claimed", now=now)
    return True


async def lock_teams(
    session: AsyncSession, team_ids: Iterable[int] | None, *, skip_locked: bool = False
) -> list[int]:
    """Lock these auto-assign teams' rows (all of them when None), in id order; their ids.
    With ``skip_locked``, teams another transaction is filling are left out."""
    statement = select(Team.id).where(Team.auto_assign.is_(True)).order_by(Team.id)
    if team_ids is not None:
        statement = statement.where(Team.id.in_(list(team_ids)))
    return list(await session.scalars(statement.with_for_update(skip_locked=skip_locked)))


async def _give_to_member(
    session: AsyncSession,
    *,
    handoff_id: int,
    team_id: int,
    now: datetime,
    lease_seconds: int,
    avoid: int | None,
) -> int | None:
    """The caller holds the team's lock and the handoff's; the agent's id, or None."""
    for agent_id in list(await session.scalars(_candidates(team_id))):
        if agent_id == avoid:
            continue
        agent = await _lock_agent_with_room(session, agent_id)
        if agent is None:
            continue
        given = await give_to(
            session, handoff_id=handoff_id, agent=agent, now=now, lease_seconds=lease_seconds
        )
        return agent.id if given else None
    return None


async def assign_new_handoff(
    session: AsyncSession, *, handoff: Handoff, now: datetime, lease_seconds: int
) -> int | None:
    """A handoff created in this transaction, in an auto-assign team: to a member now, if
    one has room. When another transaction is filling the team this one does not wait (the
    message path stays fast): the next event or the routing job assigns it."""
    if handoff.team_id is None or not await lock_teams(
        session, [handoff.team_id], skip_locked=True
    ):
        return None
    given = await _give_to_member(
        session,
        handoff_id=handoff.id,
        team_id=handoff.team_id,
        now=now,
        lease_seconds=lease_seconds,
        avoid=None,
    )
    if given is not None:
        await session.refresh(handoff)  # assigned by a plain UPDATE
    return given


async def assign_waiting(
    session: AsyncSession,
    *,
    now: datetime,
    lease_seconds: int,
    team_ids: Iterable[int] | None = None,
    avoid: dict[int, int] | None = None,
) -> list[tuple[int, int]]:
    """Give waiting handoffs of auto-assign teams (all, or these) to members with room, in
    queue order; the (handoff, agent) pairs given. Run after anything that frees capacity or
    adds an agent: a release, a resolve, a transfer, a lease expiry, an agent coming online.
    ``avoid`` maps a handoff to the agent who just gave it up (a release, an expired lease):
    it goes to someone else if anyone has room."""
    open_teams = set(await lock_teams(session, team_ids))
    given: list[tuple[int, int]] = []
    tried: set[int] = set()
    while open_teams and len(tried) < _BATCH:
        row = (
            await session.execute(
                select(Handoff.id, Handoff.team_id)
                .where(
                    Handoff.status == HandoffStatus.waiting.value,
                    Handoff.team_id.in_(sorted(open_teams)),
                    Handoff.id.not_in(sorted(tried)),
                )
                .order_by(Handoff.priority.desc(), Handoff.created_at, Handoff.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).first()
        if row is None:
            break
        handoff_id, team_id = row._tuple()
        tried.add(handoff_id)
        if team_id is None:
            continue
        avoided = (avoid or {}).get(handoff_id)
        agent_id = await _give_to_member(
            session,
            handoff_id=handoff_id,
            team_id=team_id,
            now=now,
            lease_seconds=lease_seconds,
            avoid=avoided,
        )
        if agent_id is not None:
            given.append((handoff_id, agent_id))
        elif avoided is None:
            open_teams.discard(team_id)  # nobody in it has room: its other handoffs wait
    return given


async def after_capacity_freed(
    session: AsyncSession,
    *,
    handoff: Handoff,
    agent_id: int | None,
    now: datetime,
    lease_seconds: int,
) -> None:
    """A handoff was released or resolved: its team's queue and the agent's teams' queues
    may have work for the place that came free."""
    teams = set(await teams_of(session, agent_id)) if agent_id is not None else set()
    if handoff.team_id is not None:
        teams.add(handoff.team_id)
    if teams:
        avoid = {handoff.id: agent_id} if agent_id is not None else None
        await assign_waiting(
            session, now=now, lease_seconds=lease_seconds, team_ids=teams, avoid=avoid
        )


async def teams_of(session: AsyncSession, agent_id: int) -> list[int]:
    return list(
        await session.scalars(select(TeamMember.team_id).where(TeamMember.agent_id == agent_id))
    )
