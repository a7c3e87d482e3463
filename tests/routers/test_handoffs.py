"""The agent API over HTTP: queue, transcript, claim, reply, release, resolve, permissions."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.templates import csat_prompt
from app.config import Settings
from app.conversations.models import Conversation, Message
from app.db import utcnow
from app.escalation.models import Handoff, HandoffEvent
from app.escalation.service import record_csat
from app.outbox.models import OutboxItem
from app.types import Channel, Sender
from tests.factories import (
    bearer,
    fetch,
    make_agent,
    make_contact,
    make_conversation,
    make_handoff,
    make_message,
)


async def test_whole_flow_from_queue_to_csat(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    created = await client.post("/api/v1/agents", json={"name": "Rina"}, headers=admin_headers)
    assert created.status_code == 201
    agent = bearer(created.json()["token"])

    contact = await make_contact(session, display_name="Dewi", external_id="web-dewi")
    conversation = await make_conversation(session, contact=contact)
    await make_message(session, conversation=conversation, sender=Sender.customer, text="refund?")
    await make_message(
        session,
        conversation=conversation,
        sender=Sender.bot,
        text="Refund diproses 3 hari.",
        article_slug="cara-refund",
        buttons=[{"id": "helpful_yes", "title": "Ya, terjawab"}],
    )
    handoff = await make_handoff(session, conversation=conversation, reason="not_helpful")
    await session.commit()

    queue = await client.get("/api/v1/handoffs?status=waiting", headers=agent)
    assert queue.status_code == 200
    [item] = queue.json()["items"]
    assert item["id"] == handoff.id
    assert item["conversation_id"] == conversation.id
    assert item["customer"] == {"name": "Dewi", "external_id": "web-dewi"}
    assert (item["channel"], item["reason"], item["status"], item["position"]) == (
        "webchat",
        "not_helpful",
        "waiting",
        1,
    )

    detail = (await client.get(f"/api/v1/handoffs/{handoff.id}", headers=agent)).json()
    assert [(m["sender"], m["article_slug"]) for m in detail["transcript"]] == [
        ("customer", None),
        ("bot", "cara-refund"),
    ]
    assert detail["transcript"][1]["buttons"] == [{"id": "helpful_yes", "title": "Ya, terjawab"}]
    assert detail["reply_window_seconds_left"] is None

    claimed = await client.post(f"/api/v1/handoffs/{handoff.id}/claim", headers=agent)
    assert claimed.status_code == 200
    assert claimed.json()["status"] == "assigned"
    assert claimed.json()["agent_name"] == "Rina"
    assert claimed.json()["lease_expires_at"] is not None
    assert (await client.get("/api/v1/handoffs", headers=agent)).json()["items"] == []

    sent = await client.post(
        f"/api/v1/handoffs/{handoff.id}/messages", json={"text": " Halo Kak Dewi "}, headers=agent
    )
    assert sent.status_code == 202
    message = await fetch(app.state.sessionmaker, Message, sent.json()["message_id"])
    assert (message.sender, message.text, message.conversation_id) == (
        "agent",
        "Halo Kak Dewi",
        conversation.id,
    )
    stored = await fetch(app.state.sessionmaker, Handoff, handoff.id)
    assert stored.first_agent_reply_at is not None
    assert stored.lease_expires_at is None

    resolved = await client.post(f"/api/v1/handoffs/{handoff.id}/resolve", headers=agent)
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved"
    closed = await fetch(app.state.sessionmaker, Conversation, conversation.id)
    assert (closed.status, closed.awaiting_csat) == ("closed", True)
    assert closed.closed_at is not None
    last = resolved.json()["transcript"][-1]
    assert (last["sender"], last["text"]) == ("system", csat_prompt("id"))

    again = await client.post(f"/api/v1/handoffs/{handoff.id}/resolve", headers=agent)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "handoff_closed")
    late = await client.post(
        f"/api/v1/handoffs/{handoff.id}/messages", json={"text": "halo"}, headers=agent
    )
    assert late.status_code == 409
    assert (
        await client.post(f"/api/v1/handoffs/{handoff.id}/claim", headers=agent)
    ).status_code == 409

    # The customer's rating, as the engine records it.
    async with app.state.sessionmaker() as s, s.begin():
        assert await record_csat(s, conversation_id=conversation.id, score=5, now=utcnow())
    detail = (await client.get(f"/api/v1/handoffs/{handoff.id}", headers=agent)).json()
    assert detail["csat_score"] == 5


async def test_release_puts_it_back_for_another_agent(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _first, first_token = await make_agent(session, name="A")
    _second, second_token = await make_agent(session, name="B")
    handoff = await make_handoff(session)
    await session.commit()
    url = f"/api/v1/handoffs/{handoff.id}"

    assert (await client.post(f"{url}/claim", headers=bearer(first_token))).status_code == 200
    taken = await client.post(f"{url}/claim", headers=bearer(second_token))
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "already_claimed")
    released = await client.post(f"{url}/release", headers=bearer(first_token))
    assert released.status_code == 200
    assert (released.json()["status"], released.json()["agent_id"]) == ("waiting", None)
    assert released.json()["position"] == 1
    assert (await client.post(f"{url}/claim", headers=bearer(second_token))).status_code == 200
    kinds = (await session.scalars(select(HandoffEvent.kind).order_by(HandoffEvent.id))).all()
    assert kinds == ["created", "claimed", "released", "claimed"]
    await session.commit()


async def test_queue_order_positions_and_channel_filter(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    start = utcnow() - timedelta(minutes=10)
    old_web = await make_handoff(session, now=start)
    new_wa = await make_handoff(session, channel=Channel.whatsapp, now=start + timedelta(minutes=1))
    urgent_web = await make_handoff(session, priority=3, now=start + timedelta(minutes=2))
    await session.commit()

    items = (await client.get("/api/v1/handoffs", headers=admin_headers)).json()["items"]
    assert [(i["id"], i["position"]) for i in items] == [
        (urgent_web.id, 1),
        (old_web.id, 2),
        (new_wa.id, 3),
    ]
    only_wa = await client.get("/api/v1/handoffs?channel=whatsapp", headers=admin_headers)
    assert [(i["id"], i["position"]) for i in only_wa.json()["items"]] == [(new_wa.id, 3)]
    assigned = await client.get("/api/v1/handoffs?status=assigned", headers=admin_headers)
    assert assigned.json()["items"] == []
    bad = await client.get("/api/v1/handoffs?status=lost", headers=admin_headers)
    assert bad.status_code == 422


async def test_whatsapp_reply_window(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    now = utcnow()
    recent = await make_contact(session, channel=Channel.whatsapp, last_inbound_at=now)
    stale = await make_contact(
        session, channel=Channel.whatsapp, last_inbound_at=now - timedelta(hours=25)
    )
    open_one = await make_handoff(
        session, conversation=await make_conversation(session, contact=recent)
    )
    closed_one = await make_handoff(
        session, conversation=await make_conversation(session, contact=stale)
    )
    await session.commit()

    detail = (await client.get(f"/api/v1/handoffs/{open_one.id}", headers=admin_headers)).json()
    assert 23 * 3600 < detail["reply_window_seconds_left"] <= 24 * 3600
    detail = (await client.get(f"/api/v1/handoffs/{closed_one.id}", headers=admin_headers)).json()
    assert detail["reply_window_seconds_left"] == 0

    refused = await client.post(
        f"/api/v1/handoffs/{closed_one.id}/messages", json={"text": "halo"}, headers=admin_headers
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "window_closed"
    assert "24 hours" in refused.json()["error"]["message"]

    sent = await client.post(
        f"/api/v1/handoffs/{open_one.id}/messages", json={"text": "halo"}, headers=admin_headers
    )
    assert sent.status_code == 202
    async with app.state.sessionmaker() as s:
        outbox = (await s.scalars(select(OutboxItem))).all()
    assert [o.message_id for o in outbox] == [sent.json()["message_id"]]


@pytest.mark.parametrize("text", ["", "   ", None])
async def test_empty_reply_is_422(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_headers: dict[str, str],
    text: str | None,
) -> None:
    handoff = await make_handoff(session)
    await session.commit()
    response = await client.post(
        f"/api/v1/handoffs/{handoff.id}/messages", json={"text": text}, headers=admin_headers
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_oversize_reply_is_422(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_headers: dict[str, str],
    settings: Settings,
) -> None:
    handoff = await make_handoff(session)
    await session.commit()
    response = await client.post(
        f"/api/v1/handoffs/{handoff.id}/messages",
        json={"text": "x" * (settings.max_text_length + 1)},
        headers=admin_headers,
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("POST", "/claim"),
        ("POST", "/release"),
        ("POST", "/resolve"),
    ],
)
async def test_unknown_handoff_is_404(
    client: httpx.AsyncClient, admin_headers: dict[str, str], method: str, path: str
) -> None:
    response = await client.request(method, f"/api/v1/handoffs/999999{path}", headers=admin_headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "handoff_not_found"


ACTIONS = ["messages", "release", "resolve"]
CALLERS = {"nobody": 401, "wrong_token": 401, "other_agent": 403, "holder": 200, "admin": 200}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("caller", list(CALLERS))
async def test_permissions_matrix(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_headers: dict[str, str],
    action: str,
    caller: str,
) -> None:
    _holder, holder_token = await make_agent(session, name="holder")
    _other, other_token = await make_agent(session, name="other")
    handoff = await make_handoff(session)
    await session.commit()
    url = f"/api/v1/handoffs/{handoff.id}"
    assert (await client.post(f"{url}/claim", headers=bearer(holder_token))).status_code == 200

    headers = {
        "nobody": {},
        "wrong_token": bearer("agt_not-a-real-token"),
        "other_agent": bearer(other_token),
        "holder": bearer(holder_token),
        "admin": admin_headers,
    }[caller]
    body = {"text": "Halo"} if action == "messages" else None
    response = await client.post(f"{url}/{action}", json=body, headers=headers)
    expected = CALLERS[caller]
    if expected == 200 and action == "messages":
        expected = 202
    assert response.status_code == expected, response.text
    if caller == "other_agent":
        assert response.json()["error"]["code"] == "not_claim_holder"


async def test_reading_needs_a_valid_token(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    handoff = await make_handoff(session)
    await session.commit()
    for path in ("/api/v1/handoffs", f"/api/v1/handoffs/{handoff.id}"):
        assert (await client.get(path)).status_code == 401
        assert (await client.get(path, headers=bearer("nope"))).status_code == 401


async def test_agent_cannot_act_on_an_unclaimed_handoff(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _agent, token = await make_agent(session)
    handoff = await make_handoff(session)
    await session.commit()
    for action in ACTIONS:
        response = await client.post(
            f"/api/v1/handoffs/{handoff.id}/{action}", json={"text": "x"}, headers=bearer(token)
        )
        assert response.status_code == 403
