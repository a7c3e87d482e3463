"""Typed async factories for test data. They add and flush; the test commits (on SQLite an open
write transaction in the test's session would block the app's requests)."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import hash_token, new_token
from app.conversations.models import Contact, Conversation, Message
from app.db import utcnow
from app.escalation.models import Agent
from app.types import Channel, ConversationStatus, Direction, Sender

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
