"""Retention (ROUTER_MESSAGE_RETENTION_DAYS): texts of conversations closed long enough ago are
removed, and old sent replies' payloads deleted; everything else, and the statistics, stay."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.conversations.models import Conversation, Message
from app.conversations.retention import remove_expired
from app.db import utcnow
from app.inbox.models import InboxItem
from app.inbox.processor import prune_inbox
from app.outbox.models import OutboxItem
from app.types import ConversationStatus, OutboxStatus, OutcomeKind, Sender
from tests.factories import make_conversation, make_inbound, make_message, make_outcome

DAYS = 30


async def conversation_with_texts(
    session: AsyncSession, label: str, *, at: datetime, closed_at: datetime | None
) -> Conversation:
    conversation = await make_conversation(session, created_at=at)
    await make_inbound(
        session,
        conversation=conversation,
        text=f"{label} tanya",
        understood_as="answer",
        created_at=at,
    )
    answer = await make_message(
        session,
        conversation=conversation,
        sender=Sender.bot,
        text=f"{label} jawab",
        article_slug="refund",
        created_at=at + timedelta(seconds=1),
    )
    session.add(
        OutboxItem(
            message_id=answer.id,
            channel="webchat",
            recipient_key=f"webchat::{label}",
            payload={"text": f"{label} jawab"},
            status=(OutboxStatus.sent if closed_at else OutboxStatus.pending).value,
            attempts=1,
            next_attempt_at=at,
            created_at=at,
        )
    )
    if closed_at is not None:
        await make_outcome(
            session,
            conversation=conversation,
            outcome=OutcomeKind.deflected_assumed,
            article_slug="refund",
            recorded_at=closed_at,
        )
        conversation.status = ConversationStatus.closed.value
        conversation.closed_at = closed_at
    await session.commit()
    return conversation


async def texts(session: AsyncSession) -> list[str]:
    rows = await session.scalars(select(Message.text))
    found = sorted(text for text in rows if text is not None)
    await session.commit()
    return found


async def outbox_texts(session: AsyncSession) -> list[str]:
    rows = await session.scalars(select(OutboxItem.payload))
    found = sorted(p["text"] for p in rows)
    await session.commit()
    return found


async def test_texts_of_conversations_closed_past_the_retention_are_removed(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    admin_headers: dict[str, str],
) -> None:
    now = utcnow()
    long_ago = now - timedelta(days=DAYS + 10)
    await conversation_with_texts(
        session, "old", at=long_ago, closed_at=long_ago + timedelta(hours=2)
    )
    # Opened long ago but closed recently: its texts have days to go.
    await conversation_with_texts(
        session, "late", at=long_ago, closed_at=now - timedelta(days=DAYS - 1)
    )
    # A handoff still open after all that time: an agent may be reading it.
    await conversation_with_texts(session, "open", at=long_ago, closed_at=None)
    await conversation_with_texts(session, "new", at=now, closed_at=now)
    period = {"from": str((long_ago - timedelta(days=1)).date()), "to": str(now.date())}
    stats: list[Any] = [
        (await client.get(f"/api/v1/stats/{path}", params=period, headers=admin_headers)).json()
        for path in ("self-service", "articles")
    ]
    retained = settings.model_copy(update={"message_retention_days": DAYS})

    removed = await remove_expired(app.state.sessionmaker, retained, now=now, chunk=1)

    assert await texts(session) == [
        "late jawab",
        "late tanya",
        "new jawab",
        "new tanya",
        "open jawab",
        "open tanya",
    ]
    # A sent reply is a delivery record, not the conversation: it goes by its own age, so
    # "late"'s goes too; "open"'s is still pending.
    assert await outbox_texts(session) == ["new jawab", "open jawab"]
    assert removed == 4
    assert [
        (await client.get(f"/api/v1/stats/{path}", params=period, headers=admin_headers)).json()
        for path in ("self-service", "articles")
    ] == stats
    assert await remove_expired(app.state.sessionmaker, retained, now=now) == 0


async def test_unset_nothing_is_removed(
    app: FastAPI, session: AsyncSession, settings: Settings
) -> None:
    now = utcnow()
    long_ago = now - timedelta(days=400)
    await conversation_with_texts(session, "old", at=long_ago, closed_at=long_ago)
    assert settings.message_retention_days is None

    assert await remove_expired(app.state.sessionmaker, settings, now=now) == 0
    assert await texts(session) == ["old jawab", "old tanya"]


async def test_the_inbox_keeps_events_no_longer_than_the_message_texts(
    app: FastAPI, session: AsyncSession, settings: Settings
) -> None:
    """Its events hold the texts too: with a retention of a day they go after a day, not
    after the inbox's own week."""
    now = utcnow()
    session.add(
        InboxItem(
            channel="whatsapp",
            kind="message",
            dedupe_key="wamid.retention",
            contact_key="62811000000",
            payload={"channel": "whatsapp", "external_id": "62811000000", "text": "halo"},
            received_at=now,
            attempts=1,
            next_attempt_at=now,
            processed_at=now,
            outcome="done",
        )
    )
    await session.commit()
    later = now + timedelta(hours=25)
    assert settings.inbox_retention_hours == 168
    assert await prune_inbox(app.state.sessionmaker, settings, now=later) == 0

    retained = settings.model_copy(update={"message_retention_days": 1})
    assert await prune_inbox(app.state.sessionmaker, retained, now=later) == 1
