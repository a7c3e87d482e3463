"""The events, one function per kind, called where the change happens (the handoff
service, closing a conversation, storing a rating), after its rows are written.

Each reads what the payload needs only when a subscriber wants the event (``emit``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Contact, Conversation, Outcome
from app.escalation.models import Agent, Handoff
from app.events.catalog import EventType
from app.events.emit import emit
from app.teams.models import Team


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _customer(contact: Contact | None) -> dict[str, Any] | None:
    if contact is None:
        return None
    return {"name": contact.display_name, "external_id": contact.external_id}


async def _handoff_data(session: AsyncSession, handoff_id: int) -> dict[str, Any]:
    row = (
        await session.execute(
            select(Handoff, Contact, Agent.name, Team.name)
            .join(Conversation, Conversation.id == Handoff.conversation_id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .outerjoin(Agent, Agent.id == Handoff.agent_id)
            .outerjoin(Team, Team.id == Handoff.team_id)
            .where(Handoff.id == handoff_id)
            .execution_options(populate_existing=True)  # updated by plain UPDATEs
        )
    ).one()
    handoff, contact, agent_name, team_name = row
    return {
        "handoff": {
            "id": handoff.id,
            "conversation_id": handoff.conversation_id,
            "channel": handoff.channel,
            "reason": handoff.reason,
            "status": handoff.status,
            "priority": handoff.priority,
            "agent": (
                {"id": handoff.agent_id, "name": agent_name}
                if handoff.agent_id is not None
                else None
            ),
            "team": (
                {"id": handoff.team_id, "name": team_name} if handoff.team_id is not None else None
            ),
            "created_at": _iso(handoff.created_at),
            "claimed_at": _iso(handoff.claimed_at),
            "resolved_at": _iso(handoff.resolved_at),
        },
        "customer": _customer(contact),
    }


# The handoff and customer part of every handoff-related event (``app.sla.events`` too).
handoff_payload = _handoff_data

_HANDOFF_EVENTS = {
    "created": EventType.handoff_created,
    "claimed": EventType.handoff_claimed,
    "released": EventType.handoff_released,
    "lease_expired": EventType.handoff_released,
    "resolved": EventType.handoff_resolved,
}


async def handoff_changed(
    session: AsyncSession,
    handoff_id: int,
    kind: str,
    *,
    now: datetime,
    agent_id: int | None = None,
) -> None:
    """``kind`` as in the handoff event log: created, claimed, released, lease_expired
    (a release nobody asked for: ``data.released_by`` says which), resolved."""
    event_type = _HANDOFF_EVENTS[kind]

    async def data() -> dict[str, Any]:
        payload = await _handoff_data(session, handoff_id)
        if event_type is EventType.handoff_released:
            payload["released_by"] = "lease_expiry" if kind == "lease_expired" else "agent"
            payload["previous_agent_id"] = agent_id
        return payload

    await emit(session, event_type, data, now=now)


async def conversation_closed(
    session: AsyncSession, conversation: Conversation, *, now: datetime
) -> None:
    async def data() -> dict[str, Any]:
        outcome = await session.scalar(
            select(Outcome)
            .where(Outcome.conversation_id == conversation.id)
            .execution_options(populate_existing=True)
        )
        contact = await session.get(Contact, conversation.contact_id)
        return {
            "conversation": {
                "id": conversation.id,
                "channel": conversation.channel,
                "created_at": _iso(conversation.created_at),
                "closed_at": _iso(conversation.closed_at),
            },
            "outcome": (
                {
                    "kind": outcome.outcome,
                    "reason": outcome.reason,
                    "article": outcome.article_slug,
                }
                if outcome is not None
                else None
            ),
            "customer": _customer(contact),
        }

    await emit(session, EventType.conversation_closed, data, now=now)


async def csat_received(
    session: AsyncSession, *, handoff_id: int, score: int, now: datetime
) -> None:
    async def data() -> dict[str, Any]:
        payload = await _handoff_data(session, handoff_id)
        payload["score"] = score
        return payload

    await emit(session, EventType.csat_received, data, now=now)
