"""Erasing a customer's personal data (POST /api/v1/contacts/erase, ``router contacts erase``):
nothing left that names or quotes them, and past statistics unchanged."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.channels.chatwoot_render import hand_over_call
from app.config import Settings
from app.conversations.models import Contact, Message
from app.db import Base, utcnow
from app.escalation.models import Handoff
from app.outbox.models import OutboxItem, customer_key
from app.outbox.worker import deliver_due
from app.types import Channel, ConversationStatus, HandoffStatus, OutboxStatus
from tests.bot.conftest import time_passes
from tests.bot.kb_fixture import load_test_kb
from tests.channels.webhook_client import post_whatsapp, wa_text
from tests.factories import make_contact, make_conversation, make_handoff_record
from tests.test_cli import run_router

pytestmark = pytest.mark.usefixtures("bot")

WA_ID = "6281234509876"
NAME = "Sari Wulandari"
# Something she wrote, which no timestamp or id can contain by chance (a bare number can).
ORDER = "INV-TK-8812"
QUESTION = f"Bagaimana cara mengajukan pengembalian dana (refund)? Pesanan saya {ORDER}"


async def erase(
    client: httpx.AsyncClient, headers: dict[str, str], channel: str, external_id: str
) -> httpx.Response:
    return await client.post(
        "/api/v1/contacts/erase",
        json={"channel": channel, "external_id": external_id},
        headers=headers,
    )


async def statistics(client: httpx.AsyncClient, headers: dict[str, str]) -> list[Any]:
    today = utcnow().date()
    period = {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))}
    return [
        (await client.get(f"/api/v1/stats/{path}", params=period, headers=headers)).json()
        for path in ("self-service", "articles", "agents")
    ]


async def database_text(session: AsyncSession, but: tuple[str, ...] = ()) -> str:
    """Every row of every table (``but`` those), as text."""
    rows: list[str] = []
    for table in Base.metadata.sorted_tables:
        if table.name in but:
            continue
        rows.extend(repr(tuple(row)) for row in await session.execute(select(table)))
    await session.commit()
    return "\n".join(rows)


async def test_a_whatsapp_customer_is_erased_and_the_statistics_stay(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    await load_test_kb(client, admin_headers)
    body = wa_text(QUESTION, wamid="wamid.erase.1", wa_id=WA_ID, name=NAME)
    assert (await post_whatsapp(client, body)).is_success
    await app.state.inbox.run()

    # Answered, but the conversation is open and the reply not sent yet: not now.
    busy = await erase(client, admin_headers, "whatsapp", WA_ID)
    assert busy.status_code == 409, busy.text
    assert busy.json()["error"]["code"] == "contact_active"
    async with httpx.AsyncClient() as http:
        await deliver_due(app.state.sessionmaker, http, app.state.settings, now=utcnow())
    assert await time_passes(app, hours=2) == 1  # the bot's inactivity timeout closes it
    before = await statistics(client, admin_headers)
    stored = await database_text(session)
    assert WA_ID in stored
    assert NAME in stored
    assert ORDER in stored

    response = await erase(client, admin_headers, "whatsapp", WA_ID)

    assert response.status_code == 200, response.text
    erased = response.json()
    messages = list(
        await session.scalars(select(Message).where(Message.contact_id == erased["contact_id"]))
    )
    assert len(messages) >= 2  # the question and the bot's answer
    assert {m.text for m in messages} == {None}
    assert {m.article_slug for m in messages} == {None, "refund-dana"}  # what stats count
    assert erased == {
        "contact_id": erased["contact_id"],
        "messages": len(messages),
        "csat_comments": 0,
        "inbox_events": 1,
        "outbox_items": 1,
        "webchat_sessions": 0,
        "events": 0,
    }
    contact = await session.get(Contact, erased["contact_id"])
    assert contact is not None
    assert (contact.external_id, contact.display_name) == (f"erased:{contact.id}", None)
    remaining = await database_text(session)
    assert WA_ID not in remaining
    assert NAME not in remaining
    assert ORDER not in remaining
    assert await statistics(client, admin_headers) == before

    again = await erase(client, admin_headers, "whatsapp", WA_ID)
    assert again.status_code == 404
    assert WA_ID not in again.text  # the id is personal data: not echoed
    # She writes again: a new contact, answered as anyone would be.
    body = wa_text("halo", wamid="wamid.erase.2", wa_id=WA_ID, name=NAME)
    assert (await post_whatsapp(client, body)).is_success
    await app.state.inbox.run()
    fresh = await session.scalar(select(Contact).where(Contact.external_id == WA_ID))
    assert fresh is not None
    assert fresh.id != erased["contact_id"]


async def test_a_web_chat_visitor_is_erased_and_their_token_stops_working(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    chat = (await client.post("/api/v1/webchat/sessions", json={"name": NAME})).json()
    headers = {"Authorization": f"Bearer {chat['token']}"}
    sent = await client.post("/api/v1/webchat/messages", json={"text": "halo"}, headers=headers)
    assert sent.status_code == 200
    assert (await erase(client, admin_headers, "webchat", chat["session_id"])).status_code == 409
    assert await time_passes(app, hours=2) == 1

    response = await erase(client, admin_headers, "webchat", chat["session_id"])

    assert response.status_code == 200, response.text
    assert response.json()["webchat_sessions"] == 1
    polled = await client.get("/api/v1/webchat/messages", headers=headers)
    assert polled.status_code == 401
    remaining = await database_text(session, but=("rate_limits",))
    assert NAME not in remaining
    # Only the rate limiter's counters still hold the random session id, for their minute.
    assert chat["session_id"] not in remaining


async def test_a_csat_comment_is_erased_and_its_score_stays(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    contact = await make_contact(session, channel=Channel.whatsapp, external_id=WA_ID)
    conversation = await make_conversation(
        session, contact=contact, status=ConversationStatus.closed
    )
    handoff = await make_handoff_record(
        session, conversation=conversation, status=HandoffStatus.resolved, csat_score=2
    )
    handoff.csat_comment = f"lama sekali, {ORDER} belum sampai"
    await session.commit()

    response = await erase(client, admin_headers, "whatsapp", WA_ID)

    assert response.status_code == 200, response.text
    assert response.json()["csat_comments"] == 1
    assert ORDER not in await database_text(session)
    assert await session.scalar(select(Handoff.csat_score)) == 2


async def test_a_chatwoot_handover_call_is_erased_with_the_replies(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    """A handover call has no message: it is found by the customer's delivery key."""
    external_id = "7:4242"  # <account>:<conversation> on Chatwoot
    contact = await make_contact(
        session, channel=Channel.chatwoot, external_id=external_id, account_id="7"
    )
    await make_conversation(session, contact=contact, status=ConversationStatus.closed)
    handover = OutboxItem(
        message_id=None,
        channel=Channel.chatwoot.value,
        recipient_key=customer_key(contact.channel, contact.account_id, external_id),
        account_id="7",
        payload=hand_over_call(external_id),
        status=OutboxStatus.pending.value,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(handover)
    await session.commit()
    busy = await erase(client, admin_headers, "chatwoot", external_id)
    assert busy.status_code == 409, busy.text  # still to be sent
    handover.status = OutboxStatus.sent.value
    await session.commit()

    response = await erase(client, admin_headers, "chatwoot", external_id)

    assert response.status_code == 200, response.text
    assert response.json()["outbox_items"] == 1
    assert "4242" not in await database_text(session)


@pytest.mark.parametrize(
    "body",
    [
        {"channel": "telegram", "external_id": WA_ID},
        {"channel": "whatsapp", "external_id": ""},
        {"channel": "whatsapp"},
    ],
)
async def test_a_malformed_request_is_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], body: dict[str, str]
) -> None:
    response = await client.post("/api/v1/contacts/erase", json=body, headers=admin_headers)
    assert response.status_code == 422, response.text


async def test_the_command_erases_and_prints_what_it_erased(
    settings: Settings, session: AsyncSession
) -> None:
    contact = await make_contact(session, channel=Channel.whatsapp, external_id=WA_ID)
    await make_conversation(session, contact=contact, status=ConversationStatus.closed)
    await session.commit()
    env = {"ROUTER_DATABASE_URL": settings.database_url}

    done = await asyncio.to_thread(run_router, "contacts", "erase", "whatsapp", WA_ID, env=env)

    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["contact_id"] == contact.id
    unknown = await asyncio.to_thread(run_router, "contacts", "erase", "whatsapp", WA_ID, env=env)
    assert unknown.returncode == 1
    assert "no such whatsapp contact" in unknown.stderr
    assert WA_ID not in unknown.stdout + unknown.stderr
