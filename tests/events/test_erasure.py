"""A customer's erasure reaches the events that name them: delivered ones are deleted,
undelivered ones still go out, scrubbed and re-signed, and nothing is changed unless the
erasure commits."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.erasure import erase_contact
from app.outbox.models import OutboxItem
from app.types import Channel
from tests.bot.conftest import Chat
from tests.channels.test_erasure import database_text, erase
from tests.events.conftest import SECRET, deliver, subscribe, verify
from tests.factories import bearer
from tests.fakes.receiver import EventReceiver

NAME = "Sari Wulandari"


async def _served_and_resolved(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> Chat:
    """A web chat customer handed to an agent and resolved; only the first event (the
    handoff's creation) delivered, the claim, resolution and close still queued."""
    started = (await client.post("/api/v1/webchat/sessions", json={"name": NAME})).json()
    chat = Chat(client, started["token"], started["session_id"])
    await chat.send("saya mau bicara dengan manusia")
    assert await deliver(app) == 1
    created = await client.post("/api/v1/agents", json={"name": "Rina"}, headers=admin_headers)
    agent = bearer(created.json()["token"])
    [queued] = (await client.get("/api/v1/handoffs", headers=agent)).json()["items"]
    for action in ("claim", "resolve"):
        done = await client.post(f"/api/v1/handoffs/{queued['id']}/{action}", headers=agent)
        assert done.status_code == 200, done.text
    return chat


async def test_erasure_deletes_delivered_events_and_scrubs_the_queued_ones(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_headers: dict[str, str],
    receiver: EventReceiver,
) -> None:
    await subscribe(client, admin_headers, receiver.url)
    chat = await _served_and_resolved(app, client, admin_headers)
    stored = await database_text(session, but=("rate_limits",))
    assert NAME in stored
    assert chat.session_id in stored

    response = await erase(client, admin_headers, "webchat", chat.session_id)

    assert response.status_code == 200, response.text
    erased = response.json()
    assert erased["events"] == 4  # created (delivered), claimed, resolved, closed
    remaining = await database_text(session, but=("rate_limits",))
    assert NAME not in remaining
    assert chat.session_id not in remaining
    assert await deliver(app) == 3
    later = receiver.delivered[1:]
    assert [r.event["type"] for r in later] == [
        "handoff.claimed",
        "handoff.resolved",
        "conversation.closed",
    ]
    first_id = receiver.delivered[0].event["id"]
    for received in later:
        assert verify(SECRET, received.body, received.headers["x-router-signature-256"])
        assert received.event["id"] == received.headers["x-router-event-id"] != first_id
        assert received.event["data"]["customer"] == {
            "name": None,
            "external_id": f"erased:{erased['contact_id']}",
        }
    assert NAME.encode() not in b"".join(r.body for r in later)


async def test_an_erasure_rolled_back_leaves_the_events_as_they_were(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_headers: dict[str, str],
    receiver: EventReceiver,
) -> None:
    await subscribe(client, admin_headers, receiver.url)
    chat = await _served_and_resolved(app, client, admin_headers)
    before = await database_text(session)

    async with app.state.sessionmaker() as erasing:
        erased = await erase_contact(erasing, channel=Channel.webchat, external_id=chat.session_id)
        assert erased.events == 4
        await erasing.rollback()  # what a failure after this point does

    assert await database_text(session) == before
    bodies = await session.scalars(select(OutboxItem.payload["body"].as_string()))
    assert sum(NAME in body for body in bodies) == 4
