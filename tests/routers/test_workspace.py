"""The agent workspace API: who am I, a handoff's new messages (long-poll), KB suggestions,
the queue long-poll against the ids a page shows, and who may read or act."""

from __future__ import annotations

import asyncio
import time
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Conversation
from app.escalation.models import Agent
from app.types import Sender
from tests.factories import bearer, make_agent, make_conversation, make_handoff, make_message

ARTICLES: list[dict[str, Any]] = [
    {
        "slug": "ajukan-refund",
        "question": "Bagaimana cara mengajukan refund?",
        "variants": ["minta pengembalian dana", "refund uang pesanan"],
        "answer": "Buka Pesanan Saya, pilih pesanan, lalu tekan Ajukan Refund.",
        "url": "https://example.com/help/refund",
        "category": "pembayaran",
        "tags": ["refund"],
    },
    {
        "slug": "lacak-paket",
        "question": "Bagaimana cara melacak paket saya?",
        "variants": ["cek resi pengiriman", "paket sampai mana"],
        "answer": "Masukkan nomor resi di halaman Lacak Paket.",
        "url": "https://example.com/help/lacak",
        "category": "pengiriman",
        "tags": ["resi"],
    },
]


async def _import_kb(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/kb/import", json={"mode": "upsert", "articles": ARTICLES}, headers=admin
    )
    assert response.status_code == 200, response.text


async def _webchat_handoff(client: httpx.AsyncClient, admin: dict[str, str]) -> tuple[str, int]:
    """A web chat customer who pressed "escalate": (their token, the handoff id)."""
    created = await client.post("/api/v1/webchat/sessions", json={"name": "Sari"})
    token = created.json()["token"]
    customer = bearer(token)
    sent = await client.post(
        "/api/v1/webchat/messages", json={"text": "refund uang pesanan saya"}, headers=customer
    )
    assert sent.status_code == 200, sent.text
    pressed = await client.post(
        "/api/v1/webchat/messages", json={"action": "escalate"}, headers=customer
    )
    assert pressed.json()["conversation"]["status"] == "handoff"
    [item] = (await client.get("/api/v1/handoffs", headers=admin)).json()["items"]
    assert item["first_message"] == "refund uang pesanan saya"
    return token, item["id"]


async def _agents(session: AsyncSession) -> tuple[dict[str, str], dict[str, str]]:
    _, ani = await make_agent(session, name="Ani")
    _, budi = await make_agent(session, name="Budi")
    await session.commit()
    return bearer(ani), bearer(budi)


async def test_me_names_the_token(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    _, inactive = await make_agent(session, name="Lama", active=False)
    ani, _budi = await _agents(session)
    mine = (await client.get("/api/v1/agents/me", headers=ani)).json()
    assert mine["kind"] == "agent"
    assert mine["name"] == "Ani"
    assert (await client.get("/api/v1/agents/me", headers=admin_headers)).json() == {
        "kind": "admin",
        "id": None,
        "name": None,
        "role": "admin",
    }
    refused = await client.get("/api/v1/agents/me", headers=bearer(inactive))
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"


async def test_messages_long_poll_wakes_on_a_customer_message(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    token, handoff_id = await _webchat_handoff(client, admin_headers)
    first = await client.get(f"/api/v1/handoffs/{handoff_id}/messages", headers=admin_headers)
    page = first.json()
    detail = (await client.get(f"/api/v1/handoffs/{handoff_id}", headers=admin_headers)).json()
    # The same items as the handoff's transcript, with the same serialiser.
    assert page["messages"] == detail["transcript"]
    assert page["cursor"] == str(detail["transcript"][-1]["id"])

    poll = asyncio.create_task(
        client.get(
            f"/api/v1/handoffs/{handoff_id}/messages",
            params={"after": page["cursor"], "wait": 5},
            headers=admin_headers,
        )
    )
    await asyncio.sleep(0.3)
    assert not poll.done()
    assert app.state.engine.pool.checkedout() == 0  # no connection held while waiting
    await client.post(
        "/api/v1/webchat/messages", json={"text": "halo, masih di sana?"}, headers=bearer(token)
    )
    sent = time.monotonic()
    response = await poll
    latency = time.monotonic() - sent
    assert response.status_code == 200
    new = response.json()["messages"]
    assert (new[0]["sender"], new[0]["text"]) == ("customer", "halo, masih di sana?")
    assert response.json()["cursor"] == str(new[-1]["id"])
    # Woken by this process's notifier, not by the half-second re-query.
    assert latency < 0.4, f"answered {latency:.2f}s after the message"


async def test_messages_stored_elsewhere_are_found_within_a_second(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    """A message another process stored wakes nobody here: the re-query finds it."""
    handoff = await make_handoff(session)
    await session.commit()
    poll = asyncio.create_task(
        client.get(
            f"/api/v1/handoffs/{handoff.id}/messages",
            params={"wait": 5},
            headers=admin_headers,
        )
    )
    await asyncio.sleep(0.2)
    async with app.state.sessionmaker() as other, other.begin():
        conversation = await make_conversation(other)  # noise in another conversation
        await make_message(other, conversation=conversation, sender=Sender.customer, text="x")
    await asyncio.sleep(0.7)
    assert not poll.done(), "a message of another conversation must not end the poll"
    async with app.state.sessionmaker() as other, other.begin():
        target = await other.get_one(Conversation, handoff.conversation_id)
        await make_message(other, conversation=target, sender=Sender.customer, text="tolong")
    stored = time.monotonic()
    response = await poll
    assert time.monotonic() - stored < 1.0
    assert [m["text"] for m in response.json()["messages"]] == ["tolong"]


async def test_messages_wait_ends_empty_and_bad_input_is_4xx(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    handoff = await make_handoff(session)
    await session.commit()
    url = f"/api/v1/handoffs/{handoff.id}/messages"
    started = time.monotonic()
    empty = await client.get(url, params={"after": "99", "wait": 0.8}, headers=admin_headers)
    assert 0.8 <= time.monotonic() - started < 2.5
    assert empty.json() == {"messages": [], "cursor": "99"}
    for params in ({"after": "abc"}, {"after": "1" * 19}, {"wait": "-1"}):
        bad = await client.get(url, params=params, headers=admin_headers)
        assert bad.status_code == 422, params
        assert set(bad.json()["error"]) >= {"code", "message"}
    missing = await client.get("/api/v1/handoffs/999999/messages", headers=admin_headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "handoff_not_found"
    started = time.monotonic()
    unauthorised = await client.get(url, params={"wait": 5}, headers=bearer("nope"))
    assert unauthorised.status_code == 401
    assert time.monotonic() - started < 1


async def test_suggestions_run_the_matcher_on_the_latest_messages(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await _import_kb(client, admin_headers)
    _token, handoff_id = await _webchat_handoff(client, admin_headers)
    url = f"/api/v1/handoffs/{handoff_id}/suggestions"
    items: list[dict[str, Any]] = (await client.get(url, headers=admin_headers)).json()["items"]
    assert items, "the customer asked for a refund"
    assert items[0] == {
        "slug": "ajukan-refund",
        "question": ARTICLES[0]["question"],
        "answer": ARTICLES[0]["answer"],
        "url": ARTICLES[0]["url"],
        "score": items[0]["score"],
    }
    assert 0 < items[0]["score"] <= 1
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)

    searched = (await client.get(url, params={"q": "cek resi"}, headers=admin_headers)).json()
    assert searched["items"][0]["slug"] == "lacak-paket"
    assert searched["items"][0]["url"] == "https://example.com/help/lacak"
    nothing = await client.get(url, params={"q": "cuaca di bulan"}, headers=admin_headers)
    assert nothing.json() == {"items": []}
    assert (await client.get(url, params={"q": "  "}, headers=admin_headers)).status_code == 422
    assert (await client.get(url, params={"limit": 0}, headers=admin_headers)).status_code == 422
    one = await client.get(url, params={"q": "refund", "limit": 1}, headers=admin_headers)
    assert len(one.json()["items"]) == 1
    missing = await client.get("/api/v1/handoffs/999999/suggestions", headers=admin_headers)
    assert missing.status_code == 404


async def test_every_agent_reads_only_the_holder_or_admin_acts(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    await _import_kb(client, admin_headers)
    ani, budi = await _agents(session)
    _token, handoff_id = await _webchat_handoff(client, admin_headers)
    h = f"/api/v1/handoffs/{handoff_id}"
    assert (await client.post(f"{h}/claim", headers=ani)).status_code == 200

    for reader in (ani, budi, admin_headers):
        assert (await client.get(h, headers=reader)).status_code == 200
        assert (await client.get(f"{h}/messages", headers=reader)).status_code == 200
        assert (await client.get(f"{h}/suggestions", headers=reader)).status_code == 200
    lost = await client.post(f"{h}/claim", headers=budi)
    assert (lost.status_code, lost.json()["error"]["code"]) == (409, "already_claimed")
    for action, body in (("messages", {"text": "Halo"}), ("release", None), ("resolve", None)):
        refused = await client.post(f"{h}/{action}", json=body, headers=budi)
        assert refused.status_code == 403, action
        assert refused.json()["error"]["code"] == "not_claim_holder"
    # The holder's name is on the handoff, for the page's "already claimed by Ani".
    assert (await client.get(h, headers=budi)).json()["agent_name"] == "Ani"
    replied = await client.post(f"{h}/messages", json={"text": "Halo"}, headers=ani)
    assert replied.status_code == 202
    answered = await client.post(f"{h}/messages", json={"text": "Admin"}, headers=admin_headers)
    assert answered.status_code == 202
    assert (await client.post(f"{h}/resolve", headers=ani)).status_code == 200
    closed = await client.post(f"{h}/messages", json={"text": "lagi"}, headers=ani)
    assert (closed.status_code, closed.json()["error"]["code"]) == (409, "handoff_closed")


async def test_queue_long_poll_waits_for_a_change_to_the_known_ids(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    conversation = await make_conversation(session)
    await make_message(session, conversation=conversation, sender=Sender.customer, text="halo")
    await make_message(session, conversation=conversation, sender=Sender.customer, text="refund")
    first = await make_handoff(session, conversation=conversation)
    await session.commit()
    [item] = (await client.get("/api/v1/handoffs", headers=admin_headers)).json()["items"]
    assert item["first_message"] == "halo"

    started = time.monotonic()
    same = await client.get(
        "/api/v1/handoffs", params={"wait": 0.8, "known": str(first.id)}, headers=admin_headers
    )
    assert time.monotonic() - started >= 0.8
    assert [i["id"] for i in same.json()["items"]] == [first.id]

    poll = asyncio.create_task(
        client.get(
            "/api/v1/handoffs", params={"wait": 5, "known": str(first.id)}, headers=admin_headers
        )
    )
    await asyncio.sleep(0.3)
    assert not poll.done()
    second = await make_handoff(session)
    await session.commit()
    response = await poll
    assert [i["id"] for i in response.json()["items"]] == [first.id, second.id]
    # An empty "known" is an empty queue: a non-empty one answers at once.
    started = time.monotonic()
    await client.get("/api/v1/handoffs", params={"wait": 5, "known": ""}, headers=admin_headers)
    assert time.monotonic() - started < 1
    bad = await client.get("/api/v1/handoffs", params={"known": "1,x"}, headers=admin_headers)
    assert bad.status_code == 422


async def test_a_deactivated_agents_long_polls_end_with_401(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    """At once, not when a 20 s wait ends: deactivated here (the DELETE wakes the waiters)
    or by another replica (nobody here is woken: the next recheck sees it)."""
    ani, ani_token = await make_agent(session, name="Ani")
    budi, budi_token = await make_agent(session, name="Budi")
    handoff = await make_handoff(session)
    await session.commit()

    async def waiting(token: str) -> list[asyncio.Task[httpx.Response]]:
        polls = [
            asyncio.create_task(client.get(path, params=params, headers=bearer(token)))
            for path, params in (
                ("/api/v1/handoffs", {"wait": "20", "known": str(handoff.id)}),
                (f"/api/v1/handoffs/{handoff.id}/messages", {"wait": "20"}),
            )
        ]
        await asyncio.sleep(0.3)
        assert not any(poll.done() for poll in polls)
        return polls

    polls = await waiting(ani_token)
    gone = await client.delete(f"/api/v1/agents/{ani.id}", headers=admin_headers)
    assert gone.status_code == 200, gone.text
    async with asyncio.timeout(5):
        answers = await asyncio.gather(*polls)
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].headers["www-authenticate"] == "Bearer"

    polls = await waiting(budi_token)
    async with app.state.sessionmaker() as other, other.begin():
        (await other.get_one(Agent, budi.id)).active = False
    async with asyncio.timeout(5):
        answers = await asyncio.gather(*polls)
    assert [a.status_code for a in answers] == [401, 401]


@pytest.mark.parametrize("poll", ["queue", "messages"])
async def test_a_long_poll_whose_client_hung_up_stops_waiting(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin_headers: dict[str, str],
    poll: str,
) -> None:
    """A closed page's poll stops querying, and does not hold a stopping server for the
    rest of its wait. Driven at the ASGI level: that is how the server tells of a hang-up."""
    handoff = await make_handoff(session)
    await session.commit()
    path, query = {
        "queue": ("/api/v1/handoffs", f"wait=20&known={handoff.id}"),
        "messages": (f"/api/v1/handoffs/{handoff.id}/messages", "wait=20"),
    }[poll]
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": b"", "more_body": False},
        {"type": "http.disconnect"},  # and from then on
    ]
    answered: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if len(messages) > 1 else messages[0]

    async def send(message: MutableMapping[str, Any]) -> None:
        answered.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"test"),
            (b"authorization", admin_headers["Authorization"].encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    async with asyncio.timeout(5):
        await app(scope, receive, send)
    assert answered[0]["status"] == 200
