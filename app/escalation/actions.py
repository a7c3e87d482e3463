"""What agents do with a handoff: claim it (a lease), reply, release, resolve.

Every action but the claim locks the conversation row and then the handoff row, the same
order the conversation engine uses, so an agent's action and a customer's message on the
same conversation are serialised instead of deadlocking.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import actor_of, record
from app.auth import Principal
from app.bot.types import Reply
from app.channels.outbound import send_replies
from app.conversations.models import Contact, Conversation, Message
from app.conversations.outcomes import close_conversation
from app.escalation.errors import (
    HandoffAlreadyClaimed,
    HandoffClosed,
    HandoffNotClaimed,
    HandoffNotFound,
    NotClaimHolder,
    ReplyWindowClosed,
)
from app.escalation.models import Handoff, HandoffEvent
from app.escalation.notifier import notify_after_commit
from app.escalation.queue import WHATSAPP_REPLY_WINDOW
from app.events.hooks import handoff_changed
from app.sla import service as sla
from app.surveys import flow as surveys
from app.teams.assignment import after_capacity_freed
from app.types import Channel, ConversationStatus, HandoffStatus, Sender

CLOSED_STATUSES = (HandoffStatus.resolved.value, HandoffStatus.cancelled.value)


async def claim_handoff(
    session: AsyncSession,
    *,
    handoff_id: int,
    principal: Principal,
    now: datetime,
    lease_seconds: int,
) -> Handoff:
    """Assign a waiting handoff to the caller; exactly one of many concurrent claims wins.

    One conditional UPDATE decides: PostgreSQL re-checks ``status = 'waiting'`` after waiting
    for a competing claim's row lock, SQLite serialises writers. Re-claiming one's own handoff
    succeeds (a retried request), without extending the lease.
    """
    result = await session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.status == HandoffStatus.waiting.value)
        .values(
            status=HandoffStatus.assigned.value,
            agent_id=principal.agent_id,
            claimed_at=now,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
        )
        .execution_options(synchronize_session=False)
    )
    won = result.rowcount == 1  # type: ignore[attr-defined]
    handoff = await session.get(Handoff, handoff_id, populate_existing=True)
    if handoff is None:
        raise HandoffNotFound(f"handoff {handoff_id} does not exist")
    if won:
        session.add(
            HandoffEvent(
                handoff_id=handoff.id, kind="claimed", agent_id=principal.agent_id, created_at=now
            )
        )
        await session.flush()
        await handoff_changed(session, handoff.id, "claimed", now=now)
        await _audit(session, principal, "handoff.claimed", handoff.id, now)
        return handoff
    if handoff.status in CLOSED_STATUSES:
        raise HandoffClosed(f"handoff {handoff_id} is {handoff.status}")
    if principal.agent_id is not None and handoff.agent_id == principal.agent_id:
        return handoff
    raise HandoffAlreadyClaimed(f"handoff {handoff_id} was already claimed by another agent")


async def post_agent_reply(
    session: AsyncSession,
    *,
    handoff_id: int,
    principal: Principal,
    text: str,
    now: datetime,
) -> Message:
    """Send the agent's text to the customer; the first reply ends the claim's lease."""
    handoff, conversation = await _lock_for_action(session, handoff_id, principal)
    contact = await session.get_one(Contact, conversation.contact_id)
    if not _can_send_free_form(contact, now):
        raise ReplyWindowClosed(
            "WhatsApp allows free-form replies only within 24 hours of the customer's last"
            " message; wait for the customer to write again"
        )
    [message] = await send_replies(
        session,
        contact=contact,
        conversation_id=conversation.id,
        replies=[Reply(text=text)],
        sender=Sender.agent,
        now=now,
    )
    await sla.agent_replied(session, handoff, now=now)
    if handoff.first_agent_reply_at is None:
        handoff.first_agent_reply_at = now
    # The lease only guards "claimed but never answered"; a working agent keeps the handoff.
    handoff.lease_expires_at = None
    session.add(
        HandoffEvent(
            handoff_id=handoff.id, kind="agent_reply", agent_id=principal.agent_id, created_at=now
        )
    )
    await session.flush()
    return message


async def release_handoff(
    session: AsyncSession,
    *,
    handoff_id: int,
    principal: Principal,
    now: datetime,
    lease_seconds: int = 300,
) -> Handoff:
    handoff, _conversation = await _lock_for_action(session, handoff_id, principal)
    if handoff.status != HandoffStatus.assigned:
        raise HandoffNotClaimed(f"handoff {handoff_id} is not claimed")
    released_agent = handoff.agent_id
    handoff.status = HandoffStatus.waiting.value
    handoff.agent_id = None
    handoff.lease_expires_at = None
    session.add(
        HandoffEvent(
            handoff_id=handoff.id, kind="released", agent_id=released_agent, created_at=now
        )
    )
    await session.flush()
    notify_after_commit(session)
    await handoff_changed(session, handoff.id, "released", now=now, agent_id=released_agent)
    await _audit(session, principal, "handoff.released", handoff.id, now)
    await after_capacity_freed(
        session, handoff=handoff, agent_id=released_agent, now=now, lease_seconds=lease_seconds
    )
    return handoff


async def resolve_handoff(
    session: AsyncSession,
    *,
    handoff_id: int,
    principal: Principal,
    now: datetime,
    lease_seconds: int = 300,
    article: str | None = None,
) -> Handoff:
    """Close the handoff and the conversation, then ask the customer the surveys
    (``ROUTER_SURVEY_AFTER_AGENT``: a 1-5 rating by default). ``article``: the KB article
    the agent answered with (checked by the caller)."""
    handoff, conversation = await _lock_for_action(session, handoff_id, principal)
    holder = handoff.agent_id
    handoff.status = HandoffStatus.resolved.value
    handoff.resolved_at = now
    handoff.resolved_article = article
    handoff.lease_expires_at = None
    await sla.handoff_ended(session, handoff, now=now)
    await handoff_changed(session, handoff.id, "resolved", now=now)  # before the close
    if conversation.status != ConversationStatus.closed:
        await close_conversation(session, conversation, now=now)
    contact = await session.get_one(Contact, conversation.contact_id)
    # Outside WhatsApp's window the prompt could not be delivered: do not wait for an answer.
    if _can_send_free_form(contact, now):
        await send_replies(
            session,
            contact=contact,
            conversation_id=conversation.id,
            replies=await surveys.after_agent(session, conversation, now=now),
            sender=Sender.system,
            now=now,
        )
    session.add(
        HandoffEvent(
            handoff_id=handoff.id, kind="resolved", agent_id=principal.agent_id, created_at=now
        )
    )
    await _audit(session, principal, "handoff.resolved", handoff.id, now)
    await session.flush()
    await after_capacity_freed(
        session, handoff=handoff, agent_id=holder, now=now, lease_seconds=lease_seconds
    )
    return handoff


async def _audit(
    session: AsyncSession, principal: Principal, action: str, handoff_id: int, now: datetime
) -> None:
    await record(
        session, actor=actor_of(principal), action=action, target=f"handoff:{handoff_id}", at=now
    )


def _can_send_free_form(contact: Contact, now: datetime) -> bool:
    if contact.channel != Channel.whatsapp:
        return True
    last = contact.last_inbound_at
    return last is not None and now - last < WHATSAPP_REPLY_WINDOW


async def _lock_for_action(
    session: AsyncSession, handoff_id: int, principal: Principal
) -> tuple[Handoff, Conversation]:
    """Lock conversation then handoff, then check the caller may act on it."""
    conversation_id = await session.scalar(
        select(Handoff.conversation_id).where(Handoff.id == handoff_id)
    )
    if conversation_id is None:
        raise HandoffNotFound(f"handoff {handoff_id} does not exist")
    conversation = await session.scalar(
        select(Conversation)
        .where(Conversation.id == conversation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    handoff = await session.scalar(
        select(Handoff)
        .where(Handoff.id == handoff_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if handoff is None or conversation is None:
        raise HandoffNotFound(f"handoff {handoff_id} does not exist")
    if handoff.status in CLOSED_STATUSES:
        raise HandoffClosed(f"handoff {handoff_id} is {handoff.status}")
    holds_claim = (
        handoff.status == HandoffStatus.assigned
        and principal.agent_id is not None
        and handoff.agent_id == principal.agent_id
    )
    if not (principal.is_admin or holds_claim):
        raise NotClaimHolder("only the agent holding the claim (or an admin) may do this")
    return handoff, conversation
