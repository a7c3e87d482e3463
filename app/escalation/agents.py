"""Agent accounts: issue a token (shown once, stored hashed), list, deactivate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import hash_token, new_token
from app.conversations.models import Message
from app.errors import ValidationFailed
from app.escalation.errors import AgentNotFound
from app.escalation.models import Agent, Handoff, HandoffEvent
from app.escalation.notifier import notify_after_commit
from app.escalation.transcripts import transcript_notifier
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
    # Its long-polls in this process look again at once and answer 401 (other replicas'
    # within their next recheck); the queue's also show the handoffs released.
    notify_after_commit(session)
    notify_after_commit(session, transcript_notifier)
    return agent


async def reply_authors(session: AsyncSession, message_ids: Sequence[int]) -> dict[int, str]:
    """The name of the agent who sent each of these agent messages (by message id).

    An agent reply and its ``agent_reply`` event are written in one transaction with the same
    timestamp; an admin's reply has no agent, so it has no name here."""
    if not message_ids:
        return {}
    rows = await session.execute(
        select(Message.id, Agent.name)
        .join(Handoff, Handoff.conversation_id == Message.conversation_id)
        .join(
            HandoffEvent,
            and_(
                HandoffEvent.handoff_id == Handoff.id,
                HandoffEvent.kind == "agent_reply",
                HandoffEvent.created_at == Message.created_at,
            ),
        )
        .join(Agent, Agent.id == HandoffEvent.agent_id)
        .where(Message.id.in_(message_ids))
    )
    return {message_id: name for message_id, name in rows.tuples()}
