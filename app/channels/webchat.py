"""Web chat: sessions (a random bearer token per visitor, stored hashed) and the messages a
visitor's page polls for (agent replies and system notices)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import hash_token, new_token
from app.channels.models import WebchatSession
from app.conversations import repository
from app.conversations.models import Message
from app.db_util import rowcount
from app.types import Channel, Sender

POLLED_SENDERS = (Sender.agent.value, Sender.system.value)
# The widget restores the whole chat on a page load: the visitor's own messages and the bot's.
HISTORY_SENDERS = tuple(sender.value for sender in Sender)


async def create_session(
    session: AsyncSession, *, name: str | None, now: datetime
) -> tuple[WebchatSession, str]:
    public_id = "wc_" + secrets.token_urlsafe(12)
    token = new_token("wct_")
    contact = await repository.upsert_contact(
        session, channel=Channel.webchat.value, external_id=public_id, display_name=name
    )
    chat = WebchatSession(
        public_id=public_id, token_hash=hash_token(token), contact_id=contact.id, created_at=now
    )
    session.add(chat)
    await session.flush()
    return chat, token


async def messages_since(
    session: AsyncSession, *, chat: WebchatSession, after: int, limit: int, history: bool = False
) -> list[Message]:
    return await repository.messages_after(
        session,
        contact_id=chat.contact_id,
        after_id=after,
        senders=HISTORY_SENDERS if history else POLLED_SENDERS,
        limit=limit,
    )


async def delete_sessions(session: AsyncSession, *, contact_id: int) -> int:
    """End a visitor's web chat sessions (their tokens stop working); the number deleted."""
    result = await session.execute(
        delete(WebchatSession)
        .where(WebchatSession.contact_id == contact_id)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)
