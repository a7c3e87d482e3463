"""Private notes: in the agents' transcripts, never at the customer's."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.escalation.models import Handoff
from app.outbox.models import OutboxItem
from app.types import Channel
from tests.factories import make_agent, make_contact, make_conversation, make_handoff
from tests.teams.support import ADMIN

SECRET = "Pelanggan ini pernah minta refund dua kali"


async def outbox_rows(app: FastAPI) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxItem)) or 0)


async def test_note_never_reaches_a_whatsapp_customer(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        contact = await make_contact(session, channel=Channel.whatsapp, last_inbound_at=None)
        contact.last_inbound_at = func.now()
        conversation = await make_conversation(session, contact=contact)
        handoff = await make_handoff(session, conversation=conversation)
        _, token = await make_agent(session, name="Ani")
    headers = {"Authorization": f"Bearer {token}"}
    await client.post(f"/api/v1/handoffs/{handoff.id}/claim", headers=headers)

    note = await client.post(
        f"/api/v1/handoffs/{handoff.id}/notes", json={"text": f"  {SECRET} "}, headers=headers
    )
    assert note.status_code == 201, note.text
    assert note.json()["sender"] == "note"
    assert note.json()["text"] == SECRET
    assert note.json()["author"] == "Ani"
    assert await outbox_rows(app) == 0
    async with app.state.sessionmaker() as session:
        stored = await session.get_one(Handoff, handoff.id)
    assert stored.first_agent_reply_at is None  # not an agent reply

    detail = (await client.get(f"/api/v1/handoffs/{handoff.id}", headers=headers)).json()
    assert [(m["sender"], m["text"]) for m in detail["transcript"]] == [("note", SECRET)]
    ops = await client.get(f"/api/v1/conversations/{conversation.id}", headers=ADMIN)
    assert [m["sender"] for m in ops.json()["transcript"]] == ["note"]
    feed = await client.get(f"/api/v1/handoffs/{handoff.id}/messages", headers=headers)
    assert [m["sender"] for m in feed.json()["messages"]] == ["note"]

    # The same check sees a real reply: the outbox is where a customer's messages go.
    reply = await client.post(
        f"/api/v1/handoffs/{handoff.id}/messages", json={"text": "Halo"}, headers=headers
    )
    assert reply.status_code == 202
    assert await outbox_rows(app) == 1
    export = await client.get("/api/v1/stats/export.csv", headers=ADMIN)
    assert SECRET not in export.text


async def test_web_chat_customer_never_sees_a_note(client: httpx.AsyncClient) -> None:
    started = await client.post("/api/v1/webchat/sessions", json={"name": "Budi"})
    customer = {"Authorization": f"Bearer {started.json()['token']}"}
    escalated = await client.post(
        "/api/v1/webchat/messages", json={"action": "escalate"}, headers=customer
    )
    assert escalated.json()["conversation"]["status"] == "handoff"
    [item] = (await client.get("/api/v1/handoffs", headers=ADMIN)).json()["items"]

    assert (
        await client.post(
            f"/api/v1/handoffs/{item['id']}/notes", json={"text": SECRET}, headers=ADMIN
        )
    ).status_code == 201
    await client.post(
        f"/api/v1/handoffs/{item['id']}/messages", json={"text": "Halo Budi"}, headers=ADMIN
    )
    for params in ({}, {"history": "true"}):
        seen = await client.get("/api/v1/webchat/messages", params=params, headers=customer)
        assert seen.status_code == 200, seen.text
        texts = [m.get("text") for m in seen.json()["messages"]]
        assert "Halo Budi" in texts
        assert SECRET not in seen.text

    gaps = await client.get("/api/v1/stats/gaps", headers=ADMIN)
    assert SECRET not in gaps.text


async def test_note_errors(client: httpx.AsyncClient) -> None:
    missing = await client.post("/api/v1/handoffs/987654/notes", json={"text": "x"}, headers=ADMIN)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "handoff_not_found"
    blank = await client.post("/api/v1/handoffs/987654/notes", json={"text": ""}, headers=ADMIN)
    assert blank.status_code == 422
