"""Reading the queue: the ordered list with positions, one handoff with its transcript."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.agenttools.labels import labels_of
from app.conversations.models import Contact, Conversation, Message
from app.escalation.errors import HandoffNotFound
from app.escalation.models import Agent, Handoff
from app.escalation.schemas import Customer, HandoffDetail, HandoffItem, TranscriptMessage
from app.escalation.transcripts import transcript
from app.sla.views import attach_sla
from app.teams.models import Team
from app.teams.queues import QueueView
from app.teams.schemas import TeamRef
from app.types import Channel, HandoffStatus, Sender

WHATSAPP_REPLY_WINDOW = timedelta(hours=24)


def queue_order() -> tuple[Any, ...]:
    """Priority first, then age; the id breaks ties so positions are stable."""
    return (Handoff.priority.desc(), Handoff.created_at, Handoff.id)


def reply_window_seconds_left(contact: Contact, now: datetime) -> int | None:
    """Seconds left to answer a WhatsApp customer free-form; None for other channels."""
    if contact.channel != Channel.whatsapp:
        return None
    if contact.last_inbound_at is None:
        return 0
    left = contact.last_inbound_at + WHATSAPP_REPLY_WINDOW - now
    return max(0, int(left.total_seconds()))


def _item(
    handoff: Handoff,
    contact: Contact,
    position: int | None,
    first_message: str | None,
    team: Team | None = None,
) -> dict[str, Any]:
    return {
        "id": handoff.id,
        "conversation_id": handoff.conversation_id,
        "channel": handoff.channel,
        "customer": Customer(name=contact.display_name, external_id=contact.external_id),
        "reason": handoff.reason,
        "status": handoff.status,
        "priority": handoff.priority,
        "position": position if handoff.status == HandoffStatus.waiting else None,
        "agent_id": handoff.agent_id,
        "created_at": handoff.created_at,
        "claimed_at": handoff.claimed_at,
        "lease_expires_at": handoff.lease_expires_at,
        "first_agent_reply_at": handoff.first_agent_reply_at,
        "first_message": first_message,
        "team": TeamRef(id=team.id, name=team.name) if team is not None else None,
    }


def _with_positions() -> Any:
    position = func.row_number().over(order_by=queue_order()).label("position")
    ranked = (
        select(Handoff.id.label("id"), position)
        .where(Handoff.status == HandoffStatus.waiting.value)
        .subquery("ranked")
    )
    # What the customer asked first, for the queue (ix_messages_conversation_id_id).
    first_message = (
        select(Message.text)
        .where(
            Message.conversation_id == Handoff.conversation_id,
            Message.sender == Sender.customer.value,
            Message.text.is_not(None),
        )
        .order_by(Message.id)
        .limit(1)
        .correlate(Handoff)
        .scalar_subquery()
    )
    return (
        select(Handoff, Contact, ranked.c.position, first_message.label("first_message"), Team)
        .join(Conversation, Conversation.id == Handoff.conversation_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .outerjoin(ranked, ranked.c.id == Handoff.id)
        .outerjoin(Team, Team.id == Handoff.team_id)
    )


async def list_handoffs(
    session: AsyncSession,
    *,
    status: HandoffStatus,
    channel: Channel | None,
    limit: int,
    view: QueueView | None = None,
) -> list[HandoffItem]:
    """Handoffs in one status, queue order; positions count the whole queue, not the filter.
    ``view`` narrows to a team or an agent and puts the reader's teams first."""
    statement = _with_positions().where(Handoff.status == status.value)
    if channel is not None:
        statement = statement.where(Handoff.channel == channel.value)
    order = queue_order()
    if view is not None:
        statement = view.narrow(statement)
        order = (*view.first(), *order)
    rows = await session.execute(statement.order_by(*order).limit(limit))
    items = [
        HandoffItem.model_validate(_item(handoff, contact, position, first, team))
        for handoff, contact, position, first, team in rows.tuples()
    ]
    await attach_sla(session, items)
    return items


async def handoff_detail(session: AsyncSession, *, handoff_id: int, now: datetime) -> HandoffDetail:
    row = (
        await session.execute(
            _with_positions()
            .add_columns(Conversation, Agent)
            .outerjoin(Agent, Agent.id == Handoff.agent_id)
            .where(Handoff.id == handoff_id)
        )
    ).one_or_none()
    if row is None:
        raise HandoffNotFound(f"handoff {handoff_id} does not exist")
    handoff, contact, position, first, team, conversation, agent = row._tuple()
    detail = HandoffDetail.model_validate(
        {
            **_item(handoff, contact, position, first, team),
            "conversation_status": conversation.status,
            "agent_name": agent.name if agent is not None else None,
            "first_agent_reply_at": handoff.first_agent_reply_at,
            "resolved_at": handoff.resolved_at,
            "csat_score": handoff.csat_score,
            "csat_comment": handoff.csat_comment,
            "reply_window_seconds_left": reply_window_seconds_left(contact, now),
            "transcript": await transcript(session, conversation_id=handoff.conversation_id),
            "labels": (await labels_of(session, [conversation.id])).get(conversation.id, []),
        }
    )
    await attach_sla(session, [detail])
    return detail


async def conversation_transcript(
    session: AsyncSession, conversation_id: int
) -> list[TranscriptMessage]:
    """Every message of a conversation, oldest first: the handoff's transcript, and the one
    ops read in ``GET /api/v1/conversations/{id}`` (one serialiser for both)."""
    return await transcript(session, conversation_id=conversation_id)


async def count_waiting(session: AsyncSession) -> int:
    total = await session.scalar(
        select(func.count())
        .select_from(Handoff)
        .where(Handoff.status == HandoffStatus.waiting.value)
    )
    return int(total or 0)
