"""Presence: online / away / offline, kept true by the agent page's heartbeat, and the
routing job that turns silent agents offline and assigns what waits."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import Principal
from app.config import Settings
from app.db import utcnow
from app.db_util import rowcount
from app.escalation.models import Agent
from app.teams.assignment import ONLINE, assign_waiting, lock_teams, teams_of
from app.teams.errors import NotAnAgent

OFFLINE = "offline"


async def set_status(
    session: AsyncSession, *, principal: Principal, status: str, now: datetime, lease_seconds: int
) -> list[int]:
    """Store the agent's status and heartbeat; an agent coming (or staying) online gets the
    work waiting in their auto-assign teams at once. The handoffs given to them."""
    if principal.agent_id is None:
        raise NotAnAgent("the admin token has no presence; sign in as an agent")
    teams = await teams_of(session, principal.agent_id)
    if status == ONLINE:
        await lock_teams(session, teams)  # the lock order: teams before agents
    await session.execute(
        update(Agent)
        .where(Agent.id == principal.agent_id)
        .values(status=status, last_seen_at=now)
        .execution_options(synchronize_session=False)
    )
    if status != ONLINE:
        return []
    given = await assign_waiting(session, now=now, lease_seconds=lease_seconds, team_ids=teams)
    return [handoff_id for handoff_id, agent_id in given if agent_id == principal.agent_id]


async def sweep_presence(session: AsyncSession, *, now: datetime, timeout_seconds: float) -> int:
    """Mark offline every agent whose page has not been heard from (a closed laptop, a lost
    network): nothing is assigned to them until they are back. The number changed."""
    cutoff = now - timedelta(seconds=timeout_seconds)
    # Rows being assigned to or changed right now are left for the next sweep, not waited
    # for: a lock held while waiting for another could close a cycle.
    silent = (
        select(Agent.id)
        .where(
            Agent.status != OFFLINE,
            or_(Agent.last_seen_at.is_(None), Agent.last_seen_at < cutoff),
        )
        .with_for_update(skip_locked=True)
    )
    ids = list(await session.scalars(silent))
    if not ids:
        return 0
    result = await session.execute(
        update(Agent)
        .where(Agent.id.in_(ids))
        .values(status=OFFLINE)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def run_routing(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """The periodic job (any replica, any number of them): the presence sweep, then whatever
    waits in auto-assign teams. The number of handoffs assigned."""
    now = utcnow()
    async with sessionmaker() as session, session.begin():
        await sweep_presence(
            session, now=now, timeout_seconds=settings.agent_presence_timeout_seconds
        )
    async with sessionmaker() as session, session.begin():
        given = await assign_waiting(session, now=now, lease_seconds=settings.handoff_lease_seconds)
    return len(given)
