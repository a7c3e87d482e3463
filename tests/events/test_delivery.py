"""Events end to end: caused through the public API, stored with the change, posted by the
outbox worker to a real local receiver, signed, retried with the same id, paused when the
subscriber keeps failing, never posted to an address the router must not reach."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.escalation.leases import expire_leases
from app.events.models import EventSubscription
from app.outbox.models import OutboxItem
from tests.bot.conftest import Chat, time_passes
from tests.bot.kb_fixture import load_test_kb
from tests.events.conftest import SECRET, deliver, subscribe, verify
from tests.factories import bearer
from tests.fakes.receiver import EventReceiver


async def _chat(client: httpx.AsyncClient, name: str = "Dewi") -> Chat:
    response = await client.post("/api/v1/webchat/sessions", json={"name": name})
    assert response.status_code == 201, response.text
    return Chat(client, response.json()["token"], response.json()["session_id"])


async def _asks_for_a_person(client: httpx.AsyncClient, name: str = "Dewi") -> None:
    """A web chat customer whose first message escalates: a handoff is created."""
    await (await _chat(client, name)).send("saya mau bicara dengan manusia")


async def _agent(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> dict[str, str]:
    created = await client.post("/api/v1/agents", json={"name": "Rina"}, headers=admin_headers)
    assert created.status_code == 201, created.text
    return bearer(created.json()["token"])


async def _health(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> dict[str, object]:
    listed = await client.get("/api/v1/event-subscriptions", headers=admin_headers)
    [item] = listed.json()["items"]
    health: dict[str, object] = item
    return health


async def test_a_handoff_lifecycle_reaches_the_subscriber_signed_and_in_order(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    receiver: EventReceiver,
) -> None:
    await subscribe(client, admin_headers, receiver.url)
    agent = await _agent(client, admin_headers)
    chat = await _chat(client)
    await chat.send("saya mau bicara dengan manusia")
    queue = (await client.get("/api/v1/handoffs", headers=agent)).json()["items"]
    handoff_id = queue[0]["id"]
    url = f"/api/v1/handoffs/{handoff_id}"
    for action in ("claim", "release", "claim", "resolve"):
        assert (await client.post(f"{url}/{action}", headers=agent)).status_code == 200
    await chat.send("5")

    assert await deliver(app) == 7
    types = [r.event["type"] for r in receiver.delivered]
    assert types == [
        "handoff.created",
        "handoff.claimed",
        "handoff.released",
        "handoff.claimed",
        "handoff.resolved",
        "conversation.closed",
        "csat.received",
    ]
    for received in receiver.received:
        assert verify(SECRET, received.body, received.headers["x-router-signature-256"])
        assert received.headers["content-type"] == "application/json"
        assert set(received.event) == {"id", "type", "created_at", "data"}
        assert received.headers["x-router-event-id"] == received.event["id"]
    events = [r.event for r in receiver.delivered]
    assert len({e["id"] for e in events}) == 7
    created, claimed, released = (e["data"] for e in events[:3])
    assert created["handoff"]["id"] == handoff_id
    assert created["handoff"]["reason"] == "customer_request"
    assert created["handoff"]["status"] == "waiting"
    assert created["customer"] == {"name": "Dewi", "external_id": chat.session_id}
    assert claimed["handoff"]["agent"]["name"] == "Rina"
    assert released["released_by"] == "agent"
    assert released["handoff"]["status"] == "waiting"
    closed = events[5]["data"]
    assert closed["outcome"] == {"kind": "escalated", "reason": "customer_request", "article": None}
    assert closed["conversation"]["closed_at"] is not None
    assert events[6]["data"]["score"] == 5
    assert events[6]["data"]["handoff"]["id"] == handoff_id
    health = await _health(client, admin_headers)
    assert health["status"] == "active"
    assert health["health"]["pending"] == 0  # type: ignore[index]


async def test_self_service_closes_carry_their_outcome(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    receiver: EventReceiver,
) -> None:
    await load_test_kb(client, admin_headers)
    await subscribe(client, admin_headers, receiver.url, ["conversation.closed"])
    helped = await _chat(client, "Ani")
    answered = await helped.send("berapa lama waktu pengiriman paket?")
    assert answered["replies"][0]["article"] == "lama-pengiriman"
    await helped.send(action="helpful_yes")
    quiet = await _chat(client, "Budi")
    await quiet.send("cara minta refund uang saya")
    assert await time_passes(app, hours=2) == 1

    await deliver(app, now=utcnow() + timedelta(hours=3))  # swept 2 h "later"
    outcomes = {
        r.event["data"]["customer"]["name"]: r.event["data"]["outcome"] for r in receiver.delivered
    }
    assert outcomes == {
        "Ani": {"kind": "deflected_confirmed", "reason": None, "article": "lama-pengiriman"},
        "Budi": {"kind": "deflected_assumed", "reason": None, "article": "refund-dana"},
    }


async def test_a_failed_attempt_is_retried_later_with_the_same_id_and_body(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    receiver: EventReceiver,
) -> None:
    await subscribe(client, admin_headers, receiver.url, ["handoff.created"])
    receiver.script(503)
    await _asks_for_a_person(client)

    now = utcnow()
    await deliver(app, now=now)
    assert [r.answered for r in receiver.received] == [503]
    health = await _health(client, admin_headers)
    assert health["health"]["consecutive_failures"] == 1  # type: ignore[index]
    assert health["health"]["last_error"] == "HTTP 503"  # type: ignore[index]
    await deliver(app, now=now)  # not due yet: backoff
    assert len(receiver.received) == 1

    await deliver(app, now=now + timedelta(minutes=5))
    first, second = receiver.received
    assert second.answered == 200
    assert first.body == second.body
    assert first.headers["x-router-signature-256"] == second.headers["x-router-signature-256"]
    health = await _health(client, admin_headers)
    assert health["health"]["consecutive_failures"] == 0  # type: ignore[index]
    assert health["health"]["last_success_at"] is not None  # type: ignore[index]


async def test_a_subscriber_that_keeps_failing_is_paused_and_resume_sends_the_backlog(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    receiver: EventReceiver,
) -> None:
    created = await subscribe(client, admin_headers, receiver.url, ["handoff.created"])
    receiver.script(500, 500, 500)  # outbox_max_attempts is 3 in these tests
    await _asks_for_a_person(client, "Ani")
    now = utcnow()
    for minutes in (0, 10, 20):
        await deliver(app, now=now + timedelta(minutes=minutes))
    assert len(receiver.received) == 3
    paused = await _health(client, admin_headers)
    assert paused["status"] == "paused"
    assert paused["paused_reason"] == "gave up after 3 attempts: HTTP 500"

    # While paused, new events are kept (set aside), not posted.
    await _asks_for_a_person(client, "Budi")
    await deliver(app, now=now + timedelta(minutes=30))
    assert len(receiver.received) == 3
    assert paused["health"]["failed"] == 1  # type: ignore[index]
    assert (await _health(client, admin_headers))["health"]["failed"] == 2  # type: ignore[index]

    resumed = await client.post(
        f"/api/v1/event-subscriptions/{created['id']}/resume", headers=admin_headers
    )
    assert resumed.status_code == 200
    assert resumed.json()["status"] == "active"
    await deliver(app, now=now + timedelta(minutes=31))
    names = [r.event["data"]["customer"]["name"] for r in receiver.delivered]
    assert names == ["Ani", "Budi"]


async def test_redirects_are_not_followed(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    receiver: EventReceiver,
) -> None:
    await subscribe(client, admin_headers, receiver.url, ["handoff.created"])
    receiver.script(302)
    await _asks_for_a_person(client)
    await deliver(app)
    assert [(r.path, r.answered) for r in receiver.received] == [("/hooks/router", 302)]
    health = await _health(client, admin_headers)
    assert health["status"] == "paused"
    assert "redirects are not followed" in str(health["paused_reason"])


async def test_delivery_checks_the_address_again(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_headers: dict[str, str],
    receiver: EventReceiver,
) -> None:
    """Allowed when subscribed, refused when sent (the setting changed, or the name now
    resolves elsewhere): nothing reaches the private address."""
    await subscribe(client, admin_headers, receiver.url, ["handoff.created"])
    app.state.settings = app.state.settings.model_copy(update={"events_allow_private_urls": False})
    await _asks_for_a_person(client)
    await deliver(app)
    assert receiver.received == []
    health = await _health(client, admin_headers)
    assert health["status"] == "paused"
    assert "127.0.0.1" in str(health["paused_reason"])
    assert str(health["paused_reason"]).startswith("refused:")


async def test_no_subscriber_no_rows(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _asks_for_a_person(client)
    rows = await session.scalar(select(func.count()).select_from(OutboxItem))
    assert rows == 0
    assert await session.scalar(select(func.count()).select_from(EventSubscription)) == 0


async def test_deleting_a_subscription_drops_its_queue(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    receiver: EventReceiver,
) -> None:
    created = await subscribe(client, admin_headers, receiver.url, ["handoff.created"])
    await _asks_for_a_person(client)
    gone = await client.delete(
        f"/api/v1/event-subscriptions/{created['id']}", headers=admin_headers
    )
    assert gone.status_code == 204
    assert await deliver(app) == 0
    assert receiver.received == []


async def test_an_expired_claim_is_a_release_by_lease_expiry(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    receiver: EventReceiver,
) -> None:
    await subscribe(client, admin_headers, receiver.url, ["handoff.released"])
    agent = await _agent(client, admin_headers)
    await _asks_for_a_person(client)
    [item] = (await client.get("/api/v1/handoffs", headers=agent)).json()["items"]
    assert (await client.post(f"/api/v1/handoffs/{item['id']}/claim", headers=agent)).is_success
    later = utcnow() + timedelta(hours=1)
    async with app.state.sessionmaker() as session, session.begin():
        lease = app.state.settings.handoff_lease_seconds
        assert await expire_leases(session, now=later, lease_seconds=lease) == 1
    await deliver(app, now=later)
    [released] = receiver.delivered
    data = released.event["data"]
    assert (data["released_by"], data["handoff"]["status"]) == ("lease_expiry", "waiting")
    assert data["previous_agent_id"] is not None
