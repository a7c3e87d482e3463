"""The router as Chatwoot's agent bot, against a fake Chatwoot API (real HTTP): customer
messages of bot-owned conversations answered once, through the outbox, with the KB's
article link and the options as an input_select; escalation hands the conversation to
Chatwoot's agents and the bot stays silent; agents' and the bot's own messages are never
answered; Chatwoot's notices close or hand over the router's conversation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.conversations.models import Conversation, Outcome
from app.db import utcnow
from app.escalation.models import Handoff
from app.inbox.models import InboxItem
from app.outbox.worker import deliver_due
from tests.bot.kb_fixture import load_test_kb
from tests.channels.chatwoot_payloads import (
    CW_SECRET,
    CW_TOKEN,
    message,
    notice,
    post,
    pressed,
    signed_headers,
)
from tests.conftest import make_settings
from tests.fakes.chatwoot import FakeChatwoot

PATH = "/api/v1/accounts/1/conversations/3"


@pytest.fixture
async def chatwoot() -> AsyncIterator[FakeChatwoot]:
    async with FakeChatwoot() as fake:
        yield fake


@pytest.fixture
def settings(database_url: str, chatwoot: FakeChatwoot) -> Settings:
    return make_settings(
        database_url,
        chatwoot_url=chatwoot.base_url + "/",
        chatwoot_bot_token=CW_TOKEN,
        chatwoot_webhook_secret=CW_SECRET,
        graph_api_timeout_seconds=5,
    )


async def handle(app: FastAPI, *, later: timedelta = timedelta(0)) -> None:
    """What the workers do after the 200: answer the stored events, send the outbox."""
    await app.state.inbox.run()
    async with httpx.AsyncClient() as http:
        await deliver_due(app.state.sessionmaker, http, app.state.settings, now=utcnow() + later)


async def _count(session: AsyncSession, model: type[InboxItem] | type[Handoff]) -> int:
    found = await session.scalar(select(func.count()).select_from(model))
    await session.commit()
    return int(found or 0)


async def test_a_customer_message_is_answered_once_through_chatwoots_api(
    app: FastAPI, client: httpx.AsyncClient, chatwoot: FakeChatwoot
) -> None:
    body = message("halo", message_id=501)
    first = await post(client, body)
    again = await post(client, body)  # Chatwoot's retry of the same message
    assert first.status_code == 200, first.text
    assert (first.json()["messages"], again.json()["duplicates"]) == (1, 1)
    await handle(app)
    await handle(app)

    [call] = chatwoot.calls
    assert call.path == f"{PATH}/messages"
    assert call.token == CW_TOKEN
    assert call.json["message_type"] == "outgoing"
    assert call.json["private"] is False
    assert call.json["content"]


async def test_a_kb_answer_carries_its_link_and_the_options_as_input_select(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    session: AsyncSession,
    chatwoot: FakeChatwoot,
) -> None:
    await load_test_kb(client, admin_headers)
    await post(client, message("berapa lama waktu pengiriman paket?"))
    await handle(app)
    [answer] = chatwoot.messages()
    assert "https://help.example.test/" in answer["content"]
    assert answer["content_type"] == "input_select"
    items = answer["content_attributes"]["items"]
    assert [i["value"] for i in items] == ["helpful_yes", "helpful_no", "escalate"]
    assert all(len(i["title"]) <= 20 for i in items)

    await post(client, pressed("helpful_yes", items[0]["title"]))
    await handle(app)
    outcome = await session.scalar(select(Outcome))
    assert outcome is not None
    assert (outcome.channel, outcome.outcome) == ("chatwoot", "deflected_confirmed")
    await session.commit()


async def test_escalation_hands_over_to_chatwoots_agents_and_the_bot_goes_silent(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    session: AsyncSession,
    chatwoot: FakeChatwoot,
) -> None:
    await post(client, message("saya mau bicara dengan manusia"))
    await handle(app)
    assert [c.path.rsplit("/", 1)[1] for c in chatwoot.calls] == ["toggle_status", "messages"]
    assert chatwoot.toggles[0].json == {"status": "open"}
    assert chatwoot.toggles[0].token == CW_TOKEN

    # Written before Chatwoot saw the toggle (still pending): stored, not answered.
    late = await post(client, message("halo? ada orang?"))
    assert late.json()["messages"] == 1
    # Once open, Chatwoot's agents have it: not even stored.
    opened = await post(client, message("halo lagi", status="open"))
    assert (opened.json()["messages"], opened.json()["ignored"]) == (0, 1)
    await handle(app)
    assert len(chatwoot.calls) == 2

    stats = await client.get("/api/v1/stats/self-service", headers=admin_headers)
    assert stats.json()["by_channel"]["chatwoot"]["escalated"] == 1
    filtered = await client.get(
        "/api/v1/stats/self-service", params={"channel": "chatwoot"}, headers=admin_headers
    )
    assert filtered.json()["escalated"] == 1


@pytest.mark.parametrize(
    "body",
    [
        message("Baik, saya cek dulu", message_type="outgoing", sender_type="user"),
        message("Halo! Ada yang bisa dibantu?", message_type="outgoing", sender_type="agent_bot"),
        message("catatan internal", message_type="outgoing", sender_type="user", private=True),
        message("Conversation was marked resolved", message_type="activity", sender_type="user"),
        message("halo", status="open"),
        message("halo", status="resolved"),
        {"event": "webwidget_triggered", "id": 5},
    ],
)
async def test_agents_and_the_bots_own_messages_are_never_answered(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    chatwoot: FakeChatwoot,
    body: dict[str, object],
) -> None:
    response = await post(client, body)
    assert response.status_code == 200, response.text
    assert response.json()["ignored"] == 1
    await handle(app)
    assert chatwoot.calls == []
    assert await _count(session, InboxItem) == 0


async def test_resolving_in_chatwoot_closes_the_routers_conversation(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, chatwoot: FakeChatwoot
) -> None:
    await post(client, message("saya mau bicara dengan manusia"))
    await handle(app)
    resolved = await post(client, notice("conversation_resolved", status="resolved"))
    assert resolved.json()["conversation_changes"] == 1
    assert await post(client, notice("conversation_resolved"))
    await handle(app)
    handoff = await session.scalar(select(Handoff))
    conversation = await session.scalar(select(Conversation))
    assert handoff is not None
    assert conversation is not None
    assert (handoff.status, conversation.status) == ("resolved", "closed")
    await session.commit()

    # The customer comes back later and Chatwoot gives the bot the conversation again.
    await post(client, message("halo, saya mau tanya lagi"))
    await handle(app)
    assert len(chatwoot.messages()) == 2
    assert len(chatwoot.toggles) == 1


async def test_an_agent_taking_over_in_chatwoot_counts_as_escalated(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, chatwoot: FakeChatwoot
) -> None:
    await post(client, message("halo"))
    await handle(app)
    await post(client, notice("conversation_opened"))
    await handle(app)
    outcome = await session.scalar(select(Outcome))
    assert outcome is not None
    assert (outcome.outcome, outcome.reason) == ("escalated", "external_agent")
    await session.commit()
    assert chatwoot.toggles == []  # it is open already


async def test_a_failing_chatwoot_is_retried(
    app: FastAPI, client: httpx.AsyncClient, chatwoot: FakeChatwoot
) -> None:
    chatwoot.script(502)
    await post(client, message("halo"))
    await handle(app)
    await handle(app, later=timedelta(minutes=5))
    assert [c.answered for c in chatwoot.calls] == [502, 200]
    assert chatwoot.calls[0].json == chatwoot.calls[1].json


async def test_signatures_and_the_secret_in_the_url(
    client: httpx.AsyncClient, chatwoot: FakeChatwoot
) -> None:
    raw = json.dumps(message("halo")).encode()
    stale = signed_headers(raw, at=utcnow().timestamp() - 3600)
    response = await client.post("/webhooks/chatwoot", content=raw, headers=stale)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "stale_signature"
    in_url = await client.post("/webhooks/chatwoot", content=raw, params={"secret": CW_SECRET})
    assert in_url.status_code == 200
    broken = await client.post(
        "/webhooks/chatwoot", content=b"{not json", params={"secret": CW_SECRET}
    )
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "invalid_payload"


async def test_without_settings_the_webhook_is_404(database_url: str) -> None:
    from app.main import create_app

    app = create_app(make_settings(database_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.post("/webhooks/chatwoot", json={"event": "message_created"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "channel_not_configured"
