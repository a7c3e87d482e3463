"""Agent accounts: issue a token (shown once, stored hashed), list, deactivate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import hash_token, new_token
from app.errors import ValidationFailed
from app.escalation.errors import AgentNotFound
from app.escalation.models import Agent, Handoff, HandoffEvent
from app.escalation.notifier import notify_after_commit
from app.types import HandoffStatus

TOKEN_PREFIX = "agt_"


async def create_agent(session: AsyncSession, *, name: str, now: datetime) -> tuple[Agent, str]:
    """The new agent and its token; the token is not stored and cannot be shown again."""
    clean = name.strip()
    if not clean:
        raise ValidationFailed("agent name must not be blank")
    token = new_token(TOKEN_PREFIX)
    agent = Agent(name=clean, token_hash=hash_token(token), active=True, created_at=now)
    session.add(agent)
    await session.flush()
    return agent, token


async def list_agents(session: AsyncSession) -> Sequence[Agent]:
    return (await session.scalars(select(Agent).order_by(Agent.id))).all()


async def deactivate_agent(session: AsyncSession, *, agent_id: int, now: datetime) -> Agent:
    """Revoke the agent's token; handoffs it still holds go back to the queue."""
    agent = await session.get(Agent, agent_id)
    if agent is None:
        raise AgentNotFound(f"agent {agent_id} does not exist")
    agent.active = False
    held = (
        await session.scalars(
            select(Handoff)
            .where(Handoff.agent_id == agent_id, Handoff.status == HandoffStatus.assigned.value)
            .with_for_update()
        )
    ).all()
    for handoff in held:
        handoff.status = HandoffStatus.waiting.value
        handoff.agent_id = None
        handoff.lease_expires_at = None
        session.add(
            HandoffEvent(handoff_id=handoff.id, kind="released", agent_id=agent_id, created_at=now)
        )
    await session.flush()
    if held:
        notify_after_commit(session)
    return agent
