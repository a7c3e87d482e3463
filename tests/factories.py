"""Typed async factories for test data. They add and flush; the test commits (on SQLite an open
write transaction in the test's session would block the app's requests)."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import hash_token, new_token
from app.conversations.models import Contact, Conversation, Message
from app.conversations.outcomes import mark_returns, record_outcome
from app.db import Base, utcnow
from app.escalation.models import Agent, Handoff
from app.escalation.service import open_handoff
from app.teams.routing import RoutingPolicy
from app.types import (
    Channel,
    ConversationStatus,
    Direction,
    EscalationReason,
    HandoffStatus,
    OutcomeKind,
    Sender,
)

M = TypeVar("M", bound=Base)

_sequence = itertools.count(1)


async def make_contact(
    session: AsyncSession,
    *,
    channel: Channel = Channel.webchat,
    external_id: str | None = None,
    display_name: str | None = "Budi",
    account_id: str | None = None,
    last_inbound_at: datetime | None = None,
    language: str = "id",
) -> Contact:
    contact = Contact(
        channel=channel.value,
        external_id=external_id or f"customer-{next(_sequence)}",
        display_name=display_name,
        account_id=account_id,
        language=language,
        last_inbound_at=last_inbound_at,
        created_at=utcnow(),
    )
    session.add(contact)
    await session.flush()
    return contact


async def make_conversation(
    session: AsyncSession,
    *,
    contact: Contact | None = None,
    channel: Channel = Channel.webchat,
    status: ConversationStatus = ConversationStatus.bot,
    created_at: datetime | None = None,
    last_article_slug: str | None = None,
    language: str = "id",
) -> Conversation:
    """A conversation (and its contact, unless given) on ``channel``."""
    if contact is None:
        contact = await make_contact(session, channel=channel, last_inbound_at=created_at)
    when = created_at or utcnow()
    conversation = Conversation(
        contact_id=contact.id,
        channel=contact.channel,
        status=status.value,
        language=language,
        created_at=when,
        last_customer_at=when,
        last_article_slug=last_article_slug,
        had_request=True,
    )
    session.add(conversation)
    await session.flush()
    await mark_returns(session, [contact.id], when)  # as starting one in the app does
    return conversation


async def make_message(
    session: AsyncSession,
    *,
    conversation: Conversation,
    sender: Sender,
    text: str | None,
    article_slug: str | None = None,
    buttons: list[dict[str, Any]] | None = None,
    created_at: datetime | None = None,
) -> Message:
    message = Message(
        conversation_id=conversation.id,
        contact_id=conversation.contact_id,
        channel=conversation.channel,
        direction=(Direction.inbound if sender == Sender.customer else Direction.outbound).value,
        sender=sender.value,
        text=text,
        buttons=buttons,
        article_slug=article_slug,
        created_at=created_at or utcnow(),
    )
    session.add(message)
    await session.flush()
    return message


async def make_agent(
    session: AsyncSession, *, name: str = "Agent", active: bool = True
) -> tuple[Agent, str]:
    """An agent and its bearer token."""
    token = new_token("agt_")
    agent = Agent(name=name, token_hash=hash_token(token), active=active, created_at=utcnow())
    session.add(agent)
    await session.flush()
    return agent, token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_handoff(
    session: AsyncSession,
    *,
    conversation: Conversation | None = None,
    channel: Channel = Channel.webchat,
    reason: str = "button",
    priority: int = 0,
    now: datetime | None = None,
    routing: RoutingPolicy | None = None,
) -> Handoff:
    """A waiting handoff opened the way the engine opens one (commits nothing)."""
    if conversation is None:
        conversation = await make_conversation(session, channel=channel, created_at=now)
    return await open_handoff(
        session,
        conversation=conversation,
        reason=reason,
        now=now or utcnow(),
        priority=priority,
        routing=routing,
    )


async def fetch(sessionmaker: async_sessionmaker[AsyncSession], model: type[M], id_: int) -> M:
    """A fresh copy of a row, read in its own short transaction."""
    async with sessionmaker() as session:
        return await session.get_one(model, id_)


async def make_inbound(
    session: AsyncSession,
    *,
    conversation: Conversation,
    text: str | None = None,
    action: str | None = None,
    understood_as: str | None = None,
    article_slug: str | None = None,
    created_at: datetime | None = None,
) -> Message:
    """A customer message or button press, with what the bot understood of it."""
    message = await make_message(
        session,
        conversation=conversation,
        sender=Sender.customer,
        text=text,
        article_slug=article_slug,
        created_at=created_at,
    )
    message.action = action
    message.understood_as = understood_as
    await session.flush()
    return message


async def make_outcome(
    session: AsyncSession,
    *,
    conversation: Conversation,
    outcome: OutcomeKind,
    reason: EscalationReason | None = None,
    article_slug: str | None = None,
    recorded_at: datetime | None = None,
) -> None:
    """Record the conversation's outcome the way the engine does."""
    await record_outcome(
        session,
        conversation=conversation,
        outcome=outcome,
        now=recorded_at or utcnow(),
        reason=reason.value if reason else None,
        article_slug=article_slug,
    )


async def make_handoff_record(
    session: AsyncSession,
    *,
    conversation: Conversation,
    reason: EscalationReason = EscalationReason.button,
    status: HandoffStatus = HandoffStatus.waiting,
    agent: Agent | None = None,
    created_at: datetime | None = None,
    claimed_at: datetime | None = None,
    first_agent_reply_at: datetime | None = None,
    resolved_at: datetime | None = None,
    csat_score: int | None = None,
) -> Handoff:
    """A handoff row with a chosen timeline (claim, first reply, resolution, rating)."""
    handoff = Handoff(
        conversation_id=conversation.id,
        channel=conversation.channel,
        reason=reason.value,
        status=status.value,
        agent_id=agent.id if agent else None,
        created_at=created_at or utcnow(),
        claimed_at=claimed_at,
        first_agent_reply_at=first_agent_reply_at,
        resolved_at=resolved_at,
        csat_score=csat_score,
    )
    session.add(handoff)
    await session.flush()
    return handoff
