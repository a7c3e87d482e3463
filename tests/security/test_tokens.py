"""Tokens: stored only as hashes, scoped to their owner, and the admin token must be set."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.channels.models import WebchatSession
from app.config import Settings
from app.conversations.models import Contact
from app.db import utcnow
from app.escalation.models import Agent
from app.main import create_app
from app.models import Base
from tests.factories import bearer
from tests.security.world import ADMIN, assert_error_shape, make_world


async def test_database_holds_no_plaintext_token(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = await client.post("/api/v1/agents", json={"name": "Rina"}, headers=ADMIN)
    agent_token = created.json()["token"]
    chat = await client.post("/api/v1/webchat/sessions", json={"name": "Budi"})
    chat_token = chat.json()["token"]
    # Use both, so every table they touch is filled in as in production.
    sent = await client.post(
        "/api/v1/webchat/messages", json={"action": "escalate"}, headers=bearer(chat_token)
    )
    assert sent.status_code == 200, sent.text
    assert (await client.get("/api/v1/handoffs", headers=bearer(agent_token))).status_code == 200

    agent = await session.scalar(select(Agent).where(Agent.name == "Rina"))
    assert agent is not None
    assert agent.token_hash == hashlib.sha256(agent_token.encode()).hexdigest()
    stored_chat = await session.scalar(select(WebchatSession))
    assert stored_chat is not None
    assert stored_chat.token_hash == hashlib.sha256(chat_token.encode()).hexdigest()

    # No column of any table carries a token, or a recognisable part of one.
    for table in Base.metadata.sorted_tables:
        for row in (await session.execute(select(table))).all():
            dump = repr(tuple(row))
            for token in (agent_token, chat_token):
                assert token[-20:] not in dump, f"{table.name} holds a plaintext token"


async def test_tokens_are_long_and_random(client: httpx.AsyncClient) -> None:
    tokens = set()
    for name in ("A", "B"):
        created = await client.post("/api/v1/agents", json={"name": name}, headers=ADMIN)
        tokens.add(created.json()["token"])
        chat = await client.post("/api/v1/webchat/sessions", json={})
        tokens.add(chat.json()["token"])
    assert len(tokens) == 4
    # 32 random bytes in URL-safe base64 are 43 characters, after a short prefix.
    assert all(len(token) >= 43 for token in tokens)


async def test_deactivated_agent_token_stops_working_at_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = await client.post("/api/v1/agents", json={"name": "Rina"}, headers=ADMIN)
    agent = bearer(created.json()["token"])
    assert (await client.get("/api/v1/handoffs", headers=agent)).status_code == 200
    deleted = await client.delete(f"/api/v1/agents/{created.json()['id']}", headers=ADMIN)
    assert deleted.status_code == 200
    response = await client.get("/api/v1/handoffs", headers=agent)
    assert response.status_code == 401
    assert_error_shape(response)
    reissued = await client.post("/api/v1/agents", json={"name": "Rina"}, headers=ADMIN)
    assert (
        await client.get("/api/v1/handoffs", headers=bearer(reissued.json()["token"]))
    ).is_success


async def test_a_web_chat_token_sees_only_its_own_conversation(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await make_world(client, session)
    alice, bob = bearer(await world.webchat_token()), bearer(await world.webchat_token())
    escalated = await client.post(
        "/api/v1/webchat/messages", json={"action": "escalate"}, headers=alice
    )
    assert escalated.status_code == 200, escalated.text
    alice_conversation = escalated.json()["conversation"]["id"]
    [item] = (await client.get("/api/v1/handoffs", headers=world.agent)).json()["items"]
    assert item["conversation_id"] == alice_conversation
    assert (
        await client.post(f"/api/v1/handoffs/{item['id']}/claim", headers=world.agent)
    ).is_success
    reply = "Nomor pesanan Anda 12345 sudah kami cek."
    posted = await client.post(
        f"/api/v1/handoffs/{item['id']}/messages", json={"text": reply}, headers=world.agent
    )
    assert posted.status_code == 202, posted.text

    alice_sees = (await client.get("/api/v1/webchat/messages", headers=alice)).json()
    assert reply in [m["text"] for m in alice_sees["messages"]]
    bob_sees = await client.get("/api/v1/webchat/messages", headers=bob)
    assert bob_sees.status_code == 200
    assert reply not in bob_sees.text
    assert bob_sees.json()["messages"] == []
    # Bob's own message opens Bob's conversation, never Alice's (cursor tricks neither).
    bob_sent = await client.post("/api/v1/webchat/messages", json={"text": "halo"}, headers=bob)
    assert bob_sent.json()["conversation"]["id"] != alice_conversation
    bob_from_zero = await client.get("/api/v1/webchat/messages?after=0", headers=bob)
    assert reply not in bob_from_zero.text


@pytest.fixture
async def no_admin_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"admin_token": None}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/agents"),
        ("POST", "/api/v1/agents"),
        ("GET", "/api/v1/inbox"),
        ("GET", "/api/v1/kb/articles"),
        ("GET", "/api/v1/outbox"),
    ],
)
async def test_admin_routes_need_a_configured_admin_token(
    no_admin_client: httpx.AsyncClient, session: AsyncSession, method: str, path: str
) -> None:
    world = await make_world(no_admin_client, session)
    for headers in ({}, ADMIN, world.agent, bearer("")):
        response = await no_admin_client.request(method, path, json={"name": "X"}, headers=headers)
        assert response.status_code == 503, response.text
        assert_error_shape(response)
        assert response.json()["error"]["code"] == "admin_token_not_configured"


async def test_without_admin_token_agents_still_work_and_nobody_is_admin(
    no_admin_client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await make_world(no_admin_client, session)
    assert (await no_admin_client.get("/api/v1/handoffs", headers=world.agent)).is_success
    response = await no_admin_client.get("/api/v1/handoffs", headers=ADMIN)
    assert response.status_code == 401
    assert_error_shape(response)


async def test_a_web_chat_token_stops_working_after_a_month_without_messages(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = await client.post("/api/v1/webchat/sessions", json={})
    token = created.json()["token"]
    sent = await client.post(
        "/api/v1/webchat/messages", json={"text": "halo"}, headers=bearer(token)
    )
    assert sent.status_code == 200, sent.text

    chat = await session.scalar(select(WebchatSession))
    assert chat is not None
    contact = await session.get(Contact, chat.contact_id)
    assert contact is not None
    assert contact.last_inbound_at is not None
    # Just inside the default limit (720 h), then just past it.
    for days, expected in ((29, 200), (31, 401)):
        chat.created_at = contact.last_inbound_at = utcnow() - timedelta(days=days)
        await session.commit()
        listed = await client.get("/api/v1/webchat/messages", headers=bearer(token))
        assert listed.status_code == expected, listed.text

    again = await client.post(
        "/api/v1/webchat/messages", json={"text": "halo"}, headers=bearer(token)
    )
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "session_expired"
    assert_error_shape(again)
    fresh = await client.post("/api/v1/webchat/sessions", json={})
    assert fresh.status_code == 201
    retry = await client.post(
        "/api/v1/webchat/messages", json={"text": "halo"}, headers=bearer(fresh.json()["token"])
    )
    assert retry.status_code == 200
