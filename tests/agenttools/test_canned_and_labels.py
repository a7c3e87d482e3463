"""Canned replies (personal and shared) and labels on conversations."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from app.conversations.outcomes import record_outcome
from app.db import utcnow
from app.escalation.models import Agent
from app.types import OutcomeKind
from tests.factories import make_conversation, make_handoff
from tests.teams.support import ADMIN, new_agent

CANNED = "/api/v1/canned-responses"


async def test_personal_and_shared_replies(client: httpx.AsyncClient, app: FastAPI) -> None:
    ani, ani_headers = await new_agent(client, "Ani", teams=[])
    _, budi_headers = await new_agent(client, "Budi", teams=[])
    mine = await client.post(
        CANNED,
        json={"shortcut": "salam", "text": "Halo {name}, ada yang bisa dibantu?"},
        headers=ani_headers,
    )
    assert mine.status_code == 201, mine.text
    assert mine.json()["shared"] is False
    assert mine.json()["owner_agent_id"] == ani
    # Agents write personal replies only; supervisors and admins share.
    refused = await client.post(
        CANNED, json={"shortcut": "refund", "text": "x", "shared": True}, headers=ani_headers
    )
    assert refused.status_code == 403
    shared = await client.post(
        CANNED,
        json={"shortcut": "refund", "text": "Refund 3-5 hari kerja.", "shared": True},
        headers=ADMIN,
    )
    assert shared.status_code == 201

    def shortcuts(response: httpx.Response) -> list[str]:
        assert response.status_code == 200, response.text
        return [r["shortcut"] for r in response.json()["items"]]

    assert shortcuts(await client.get(CANNED, headers=ani_headers)) == ["refund", "salam"]
    assert shortcuts(await client.get(CANNED, headers=budi_headers)) == ["refund"]

    # Another agent cannot see, change or delete a personal reply; nor change a shared one.
    path = f"{CANNED}/{mine.json()['id']}"
    assert (await client.patch(path, json={"text": "x"}, headers=budi_headers)).status_code == 404
    assert (await client.delete(path, headers=budi_headers)).status_code == 404
    shared_path = f"{CANNED}/{shared.json()['id']}"
    assert (
        await client.patch(shared_path, json={"text": "x"}, headers=budi_headers)
    ).status_code == 403
    changed = await client.patch(path, json={"text": "Selamat pagi {name}"}, headers=ani_headers)
    assert changed.json()["text"] == "Selamat pagi {name}"

    taken = await client.post(CANNED, json={"shortcut": "salam", "text": "y"}, headers=ani_headers)
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "shortcut_taken"
    bad = await client.post(CANNED, json={"shortcut": "/Salam!", "text": "y"}, headers=ani_headers)
    assert bad.status_code == 422
    personal_admin = await client.post(CANNED, json={"shortcut": "a", "text": "y"}, headers=ADMIN)
    assert personal_admin.status_code == 422

    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(update(Agent).where(Agent.name == "Budi").values(role="supervisor"))
    assert (await client.delete(shared_path, headers=budi_headers)).status_code == 204
    assert shortcuts(await client.get(CANNED, headers=ani_headers)) == ["salam"]


async def test_labels_filter_conversations_and_stats(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        conversations = [await make_conversation(session) for _ in range(3)]
        for conversation in conversations[::2]:  # the first and the third asked for a person
            await make_handoff(session, conversation=conversation)
        for conversation in conversations:
            await record_outcome(
                session,
                conversation=conversation,
                outcome=OutcomeKind.escalated,
                reason="button",
                now=utcnow(),
            )
    _, headers = await new_agent(client, "Ani", teams=[])
    first, second, _ = (c.id for c in conversations)
    put = await client.put(
        f"/api/v1/conversations/{first}/labels",
        json={"labels": ["VIP", " refund ", "vip"]},
        headers=headers,
    )
    assert put.status_code == 200, put.text
    assert put.json()["labels"] == ["refund", "vip"]
    await client.put(
        f"/api/v1/conversations/{second}/labels", json={"labels": ["refund"]}, headers=headers
    )

    def ids(response: httpx.Response) -> list[int]:
        assert response.status_code == 200, response.text
        return sorted(item["id"] for item in response.json()["items"])

    listed = await client.get("/api/v1/conversations", params={"label": "refund"}, headers=ADMIN)
    assert ids(listed) == [first, second]
    assert ids(
        await client.get("/api/v1/conversations", params={"label": "vip"}, headers=ADMIN)
    ) == [first]
    detail = await client.get(f"/api/v1/conversations/{first}", headers=ADMIN)
    assert detail.json()["labels"] == ["refund", "vip"]

    stats = await client.get(
        "/api/v1/stats/self-service", params={"label": "refund"}, headers=ADMIN
    )
    assert stats.status_code == 200
    assert stats.json()["escalated"] == 2
    everything = await client.get("/api/v1/stats/self-service", headers=ADMIN)
    assert everything.json()["escalated"] == 3
    agents = await client.get("/api/v1/stats/agents", params={"label": "refund"}, headers=ADMIN)
    assert agents.status_code == 200, agents.text
    assert agents.json()["overall"]["handoffs"] == 1
    all_agents = await client.get("/api/v1/stats/agents", headers=ADMIN)
    assert all_agents.json()["overall"]["handoffs"] == 2

    # Replacing: an empty list removes them all.
    await client.put(f"/api/v1/conversations/{second}/labels", json={"labels": []}, headers=headers)
    assert ids(
        await client.get("/api/v1/conversations", params={"label": "refund"}, headers=ADMIN)
    ) == [first]


async def test_labels_are_validated(client: httpx.AsyncClient) -> None:
    async def put(conversation_id: int, labels: list[str]) -> httpx.Response:
        return await client.put(
            f"/api/v1/conversations/{conversation_id}/labels",
            json={"labels": labels},
            headers=ADMIN,
        )

    assert (await put(987654, ["vip"])).status_code == 404
    for bad in (["x" * 33], ["a/b"], [""], [f"l{i}" for i in range(11)]):
        response = await put(987654, bad)
        assert response.status_code == 422, bad
    bad_filter = await client.get("/api/v1/conversations", params={"label": "A B"}, headers=ADMIN)
    assert bad_filter.status_code == 422
