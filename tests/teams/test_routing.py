"""Teams API, routing a new handoff to a team, the queue's team filter, transfers."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from app.audit.models import AuditEntry
from app.escalation.models import Agent
from app.teams.routing import RoutingPolicy
from app.types import Sender
from tests.factories import make_conversation, make_handoff, make_message
from tests.teams.support import ADMIN, new_agent, new_team, open_for_team, set_status


def article(slug: str, category: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "question": f"Pertanyaan {slug}?",
        "variants": [],
        "answer": f"Jawaban untuk {slug} yang cukup panjang.",
        "url": None,
        "category": category,
        "tags": [],
    }


async def import_articles(client: httpx.AsyncClient) -> None:
    body = {
        "mode": "upsert",
        "articles": [article("refund-dana", "billing"), article("lacak-paket", "shipping")],
    }
    response = await client.post("/api/v1/kb/import", json=body, headers=ADMIN)
    assert response.status_code == 200, response.text


async def handoff_after(
    app: FastAPI, bot_messages: list[dict[str, Any]], policy: RoutingPolicy | None = None
) -> int:
    """A handoff opened after the bot sent these messages (article_slug / buttons)."""
    async with app.state.sessionmaker() as session, session.begin():
        conversation = await make_conversation(session)
        await make_message(session, conversation=conversation, sender=Sender.customer, text="?")
        for fields in bot_messages:
            await make_message(
                session, conversation=conversation, sender=Sender.bot, text="x", **fields
            )
        handoff = await make_handoff(session, conversation=conversation, routing=policy)
        return handoff.id


async def team_of(client: httpx.AsyncClient, handoff_id: int) -> Any:
    response = await client.get(f"/api/v1/handoffs/{handoff_id}", headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()["team"]


async def test_teams_crud_with_members(client: httpx.AsyncClient) -> None:
    team = await new_team(client, "Billing", categories=[" Billing ", "billing", "refunds"])
    assert team["categories"] == ["billing", "refunds"]
    assert team["auto_assign"] is False
    agent_id, _ = await new_agent(client, "Ani", teams=[team["id"]])
    listed = (await client.get("/api/v1/teams", headers=ADMIN)).json()["items"]
    assert [m["id"] for m in listed[0]["members"]] == [agent_id]

    duplicate = await client.post("/api/v1/teams", json={"name": "billing"}, headers=ADMIN)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "team_name_taken"
    patched = await client.patch(
        f"/api/v1/teams/{team['id']}", json={"auto_assign": True, "members": []}, headers=ADMIN
    )
    assert patched.status_code == 200
    assert patched.json()["auto_assign"] is True
    assert patched.json()["members"] == []
    bad_member = await client.patch(
        f"/api/v1/teams/{team['id']}", json={"members": [987654]}, headers=ADMIN
    )
    assert bad_member.status_code == 422
    assert bad_member.json()["error"]["code"] == "unknown_agent"
    unknown_team = await client.post(
        "/api/v1/agents", json={"name": "X", "teams": [987654]}, headers=ADMIN
    )
    assert unknown_team.status_code == 422
    assert unknown_team.json()["error"]["code"] == "unknown_team"
    assert (await client.delete(f"/api/v1/teams/{team['id']}", headers=ADMIN)).status_code == 204
    assert (await client.delete(f"/api/v1/teams/{team['id']}", headers=ADMIN)).status_code == 404


async def test_team_changes_are_audited(client: httpx.AsyncClient, app: FastAPI) -> None:
    team = await new_team(client, "Billing")
    await client.delete(f"/api/v1/teams/{team['id']}", headers=ADMIN)
    async with app.state.sessionmaker() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["team.create", "team.delete"]


async def test_an_agents_teams_and_limit_change_and_are_audited(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    billing, shipping = await new_team(client, "Billing"), await new_team(client, "Shipping")
    agent_id, _ = await new_agent(client, "Ani", teams=[billing["id"]])
    url = f"/api/v1/agents/{agent_id}"
    changed = await client.patch(url, json={"max_open": 5}, headers=ADMIN)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["max_open"], changed.json()["teams"]) == (5, [billing["id"]])
    moved = await client.patch(url, json={"teams": [shipping["id"]]}, headers=ADMIN)
    assert (moved.json()["max_open"], moved.json()["teams"]) == (5, [shipping["id"]])
    # Clear errors, nothing changed.
    for body, status, code in [
        ({"teams": [shipping["id"], 999999]}, 422, "unknown_team"),
        ({"max_open": 0}, 422, "validation_error"),
        ({}, 422, "nothing_to_change"),
    ]:
        bad = await client.patch(url, json=body, headers=ADMIN)
        assert bad.status_code == status, bad.text
        assert bad.json()["error"]["code"] == code
    missing = await client.patch("/api/v1/agents/999999", json={"max_open": 2}, headers=ADMIN)
    assert missing.status_code == 404
    listed = (await client.get("/api/v1/agents", headers=ADMIN)).json()["items"]
    [ani] = [a for a in listed if a["id"] == agent_id]
    assert (ani["max_open"], ani["teams"]) == (5, [shipping["id"]])
    async with app.state.sessionmaker() as session:
        changes = list(
            await session.scalars(
                select(AuditEntry.details).where(AuditEntry.action == "agent.routing_changed")
            )
        )
    assert changes == [
        {
            "from": {"teams": [billing["id"]], "max_open": 3},
            "to": {"teams": [billing["id"]], "max_open": 5},
        },
        {
            "from": {"teams": [billing["id"]], "max_open": 5},
            "to": {"teams": [shipping["id"]], "max_open": 5},
        },
    ]


async def test_handoff_goes_to_the_team_of_the_last_article(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await import_articles(client)
    billing = await new_team(client, "Billing", categories=["billing"])
    shipping = await new_team(client, "Pengiriman", categories=["shipping"])
    served_then_suggested = await handoff_after(
        app,
        [
            {"article_slug": "refund-dana"},
            {"buttons": [{"id": "article:lacak-paket", "title": "Lacak"}, {"id": "escalate"}]},
        ],
    )
    assert await team_of(client, served_then_suggested) == {
        "id": shipping["id"],
        "name": "Pengiriman",
    }
    served_last = await handoff_after(
        app,
        [
            {"buttons": [{"id": "article:lacak-paket", "title": "Lacak"}]},
            {"article_slug": "refund-dana"},
        ],
    )
    assert (await team_of(client, served_last))["id"] == billing["id"]

    # No article, or one no team owns: the default team (by name or id), else none.
    assert await team_of(client, await handoff_after(app, [])) is None
    fallback = RoutingPolicy(default_team="pengiriman")
    assert (await team_of(client, await handoff_after(app, [], fallback)))["id"] == shipping["id"]
    by_id = RoutingPolicy(default_team=str(billing["id"]))
    assert (await team_of(client, await handoff_after(app, [], by_id)))["id"] == billing["id"]


async def test_queue_filters_by_team_and_puts_my_teams_first(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    billing = await new_team(client, "Billing")
    shipping = await new_team(client, "Pengiriman")
    [older] = await open_for_team(app.state.sessionmaker, "Billing")
    [newer] = await open_for_team(app.state.sessionmaker, "Pengiriman")
    _, shipper = await new_agent(client, "Sari", teams=[shipping["id"]])

    def ids(response: httpx.Response) -> list[int]:
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids(await client.get("/api/v1/handoffs", headers=shipper)) == [newer, older]
    assert ids(await client.get("/api/v1/handoffs", headers=ADMIN)) == [older, newer]
    only = await client.get("/api/v1/handoffs", params={"team": billing["id"]}, headers=shipper)
    assert ids(only) == [older]
    none = await client.get("/api/v1/handoffs", params={"team": "none"}, headers=shipper)
    assert ids(none) == []
    bad = await client.get("/api/v1/handoffs", params={"team": "billing"}, headers=shipper)
    assert bad.status_code == 422


async def test_transfer_to_a_team_and_to_an_agent(client: httpx.AsyncClient, app: FastAPI) -> None:
    billing = await new_team(client, "Billing")
    shipping = await new_team(client, "Pengiriman", auto_assign=True)
    ani, ani_headers = await new_agent(client, "Ani", teams=[billing["id"]], max_open=1)
    budi, budi_headers = await new_agent(client, "Budi", teams=[shipping["id"]])
    await set_status(client, budi_headers, "online")
    [handoff_id] = await open_for_team(app.state.sessionmaker, "Billing")
    path = f"/api/v1/handoffs/{handoff_id}/transfer"

    # Only the holder or a supervisor: an agent may not move a handoff nobody holds.
    refused = await client.post(path, json={"team": shipping["id"]}, headers=ani_headers)
    assert refused.status_code == 403
    claimed = await client.post(f"/api/v1/handoffs/{handoff_id}/claim", headers=ani_headers)
    assert claimed.status_code == 200
    # To an auto-assign team: its online member gets it at once.
    moved = await client.post(path, json={"team": shipping["id"]}, headers=ani_headers)
    assert moved.status_code == 200, moved.text
    assert moved.json()["team"]["id"] == shipping["id"]
    assert moved.json()["status"] == "assigned"
    assert moved.json()["agent_id"] == budi

    # Straight to an agent, within their limit; Ani can take one.
    back = await client.post(path, json={"agent": ani}, headers=budi_headers)
    assert back.status_code == 200
    assert back.json()["agent_id"] == ani
    [other] = await open_for_team(app.state.sessionmaker, "Billing")
    await client.post(f"/api/v1/handoffs/{other}/claim", headers=budi_headers)
    full = await client.post(
        f"/api/v1/handoffs/{other}/transfer", json={"agent": ani}, headers=budi_headers
    )
    assert full.status_code == 409
    assert full.json()["error"]["code"] == "agent_at_capacity"

    # Supervisors may move any open handoff.
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(update(Agent).where(Agent.id == budi).values(role="supervisor"))
    supervised = await client.post(path, json={"team": billing["id"]}, headers=budi_headers)
    assert supervised.status_code == 200
    assert supervised.json()["status"] == "waiting"
    assert supervised.json()["agent_id"] is None
    async with app.state.sessionmaker() as session:
        audited = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.action == "handoff.transfer")
            )
        )
    assert len(audited) == 3


async def test_transfer_errors_are_clear(client: httpx.AsyncClient, app: FastAPI) -> None:
    await new_team(client, "Billing")
    [handoff_id] = await open_for_team(app.state.sessionmaker, "Billing")
    path = f"/api/v1/handoffs/{handoff_id}/transfer"
    cases = [
        ("/api/v1/handoffs/987654/transfer", {"team": 1}, 404, "handoff_not_found"),
        (path, {"team": 987654}, 422, "unknown_team"),
        (path, {"agent": 987654}, 422, "unknown_agent"),
        (path, {}, 422, "validation_error"),
        (path, {"team": 1, "agent": 1}, 422, "validation_error"),
    ]
    for url, body, status, code in cases:
        response = await client.post(url, json=body, headers=ADMIN)
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"]["code"] == code
    resolved = await client.post(f"/api/v1/handoffs/{handoff_id}/resolve", headers=ADMIN)
    assert resolved.status_code == 200
    closed = await client.post(path, json={"team": 1}, headers=ADMIN)
    assert closed.status_code == 409


async def test_presence_api(client: httpx.AsyncClient) -> None:
    _, headers = await new_agent(client, "Ani", teams=[])
    body = await set_status(client, headers, "away")
    assert body["status"] == "away"
    assert body["idle_minutes"] > 0
    bad = await client.put("/api/v1/agents/me/status", json={"status": "busy"}, headers=headers)
    assert bad.status_code == 422
    admin = await client.put("/api/v1/agents/me/status", json={"status": "online"}, headers=ADMIN)
    assert admin.status_code == 409
    listed = (await client.get("/api/v1/agents", headers=ADMIN)).json()["items"]
    assert listed[0]["status"] == "away"
    assert listed[0]["open_count"] == 0
    assert listed[0]["max_open"] == 3


async def test_passing_a_handoff_on_within_an_auto_team(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    team = await new_team(client, "Billing", auto_assign=True)
    _ani, ani_headers = await new_agent(client, "Ani", teams=[team["id"]])
    await set_status(client, ani_headers, "online")
    [handoff_id] = await open_for_team(app.state.sessionmaker, "Billing")
    budi, budi_headers = await new_agent(client, "Budi", teams=[team["id"]])
    await set_status(client, budi_headers, "online")
    moved = await client.post(
        f"/api/v1/handoffs/{handoff_id}/transfer", json={"team": team["id"]}, headers=ani_headers
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["agent_id"] == budi  # not straight back to Ani
