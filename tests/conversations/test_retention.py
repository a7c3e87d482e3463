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
from app.conversations.models import CUSTOMER_CONTENT, Conversation, Message
from app.conversations.repository import expired_messages
from app.conversations.retention import remove_expired
from app.db import utcnow
from app.escalation.models import Handoff
from app.inbox.models import InboxItem
from app.inbox.processor import prune_inbox
from app.outbox.models import OutboxItem
from app.types import ConversationStatus, HandoffStatus, OutboxStatus, OutcomeKind, Sender
from tests.factories import (
    make_conversation,
    make_handoff_record,
    make_inbound,
    make_message,
    make_outcome,
)

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


async def expired_and_recent(
    session: AsyncSession, *, now: datetime, long_ago: datetime
) -> tuple[Conversation, Conversation]:
    """A conversation closed past the retention, and one closed just now."""
    old = await conversation_with_texts(
        session, "old", at=long_ago, closed_at=long_ago + timedelta(hours=2)
    )
    return old, await conversation_with_texts(session, "new", at=now, closed_at=now)


# What customers send without a word: each keeps its kind and mime type, nothing else.
WORDLESS: tuple[dict[str, Any], ...] = (
    {
        "kind": "location",
        "latitude": -6.2,
        "longitude": 106.8,
        "location_name": "Rumah Sari",
        "location_address": "Jl. Melati 7",
    },
    {
        "kind": "image",
        "media_id": "wamid.media.1",
        "media_mime_type": "image/jpeg",
        "media_filename": "ktp-sari.jpg",
    },
    {"kind": "document", "media_url": "https://cdn.example/f/1.pdf", "media_mime_type": "x/y"},
    {"kind": "contacts", "caption": "Budi Santoso +62 811 2222 3333"},
    {"kind": "form", "caption": "alamat: Jl. Melati 7"},
)


async def test_wordless_messages_lose_their_content_too(
    app: FastAPI, session: AsyncSession, settings: Settings
) -> None:
    now = utcnow()
    long_ago = now - timedelta(days=DAYS + 10)
    old, new = await expired_and_recent(session, now=now, long_ago=long_ago)
    for conversation, at in ((old, long_ago), (new, now)):
        for content in WORDLESS:
            session.add(
                Message(
                    conversation_id=conversation.id,
                    contact_id=conversation.contact_id,
                    channel=conversation.channel,
                    direction="in",
                    sender=Sender.customer.value,
                    text=None,
                    created_at=at,
                    **content,
                )
            )
    await session.commit()
    retained = settings.model_copy(update={"message_retention_days": DAYS})

    await remove_expired(app.state.sessionmaker, retained, now=now, chunk=2)

    columns = [Message.__table__.c[name] for name in CUSTOMER_CONTENT]
    rows = (
        await session.execute(
            select(Message.conversation_id, Message.kind, Message.media_mime_type, *columns)
        )
    ).all()
    await session.commit()
    kept = [tuple(row[3:]) for row in rows if row.conversation_id == new.id]
    assert sorted(row.kind for row in rows if row.conversation_id == old.id) == sorted(
        ["text", "text", *(content["kind"] for content in WORDLESS)]
    )
    assert {tuple(row[3:]) for row in rows if row.conversation_id == old.id} == {
        (None,) * len(columns)
    }
    assert {row.media_mime_type for row in rows if row.conversation_id == old.id} == {
        None,
        "image/jpeg",
        "x/y",
    }
    assert all(any(value is not None for value in row) for row in kept)
    assert len(kept) == 2 + len(WORDLESS)
    assert await remove_expired(app.state.sessionmaker, retained, now=now) == 0


async def test_csat_comments_go_with_the_texts(
    app: FastAPI, session: AsyncSession, settings: Settings
) -> None:
    now = utcnow()
    long_ago = now - timedelta(days=DAYS + 10)
    old, new = await expired_and_recent(session, now=now, long_ago=long_ago)
    for conversation in (old, new):
        handoff = await make_handoff_record(
            session, conversation=conversation, status=HandoffStatus.resolved, csat_score=4
        )
        handoff.csat_comment = f"{conversation.id}: cepat dan ramah"
    await session.commit()
    retained = settings.model_copy(update={"message_retention_days": DAYS})

    await remove_expired(app.state.sessionmaker, retained, now=now, chunk=1)

    rows = (await session.execute(select(Handoff.csat_comment, Handoff.csat_score))).all()
    await session.commit()
    assert sorted(rows, key=str) == sorted([(None, 4), (f"{new.id}: cepat dan ramah", 4)], key=str)


async def test_the_retention_query_can_use_its_partial_index(
    session: AsyncSession, backend: str
) -> None:
    """Otherwise every run would scan every message ever redacted."""
    now = utcnow()
    query = expired_messages(closed_before=now, limit=5000)
    connection = await session.connection()
    compiled = query.compile(dialect=connection.dialect)
    values = [compiled.params[name] for name in compiled.positiontup or ()]
    if backend == "postgres":
        # What the index is for: old messages, nearly all redacted already. PostgreSQL
        # picks a plan by statistics; those of the shared test database are whatever earlier
        # tests left (rows deleted, never analysed), so give it these.
        long_ago = now - timedelta(days=400)
        conversation = await make_conversation(
            session, status=ConversationStatus.closed, created_at=long_ago
        )
        conversation.closed_at = long_ago
        await session.flush()
        await connection.exec_driver_sql(
            "INSERT INTO messages (conversation_id, contact_id, channel, direction, sender,"
            " text, kind, created_at) SELECT $1, $2, 'webchat', 'in', 'customer',"
            " CASE WHEN n > 9900 THEN 'halo' END, 'text', $3::timestamptz + n * interval '1 minute'"
            " FROM generate_series(1, 10000) AS n",
            (conversation.id, conversation.contact_id, long_ago),
        )
        await connection.exec_driver_sql("ANALYZE messages, conversations")
        explain = "EXPLAIN "
    else:
        explain = "EXPLAIN QUERY PLAN "
    plan = await connection.exec_driver_sql(explain + compiled.string, tuple(values))
    text = "\n".join(str(row[-1]) for row in plan)
    await session.rollback()
    if backend == "postgres":  # the rows are gone: statistics that say so, for later tests
        await (await session.connection()).exec_driver_sql("ANALYZE messages, conversations")
        await session.commit()
    assert "ix_messages_unredacted_created_at" in text, text


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
