"""Admin API for agent accounts."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import hash_token
from app.escalation.models import Agent, Handoff
from tests.factories import bearer, make_agent, make_handoff


async def test_create_shows_token_once_and_stores_its_hash(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    response = await client.post("/api/v1/agents", json={"name": " Rina "}, headers=admin_headers)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "token", "password_setup_url"}
    assert body["name"] == "Rina"
    agent = await session.get_one(Agent, body["id"])
    assert agent.token_hash == hash_token(body["token"])
    assert body["token"] not in agent.token_hash
    await session.commit()

    # The token works, and the listing never shows it again.
    assert (await client.get("/api/v1/handoffs", headers=bearer(body["token"]))).status_code == 200
    listing = await client.get("/api/v1/agents", headers=admin_headers)
    assert listing.status_code == 200
    [row] = listing.json()["items"]
    assert (row["id"], row["name"], row["active"]) == (body["id"], "Rina", True)
    assert body["token"] not in listing.text


async def test_only_admin_manages_agents(client: httpx.AsyncClient, session: AsyncSession) -> None:
    _agent, token = await make_agent(session)
    await session.commit()
    assert (await client.post("/api/v1/agents", json={"name": "x"})).status_code == 401
    for_agent = await client.post("/api/v1/agents", json={"name": "x"}, headers=bearer(token))
    assert for_agent.status_code == 403
    assert (await client.get("/api/v1/agents", headers=bearer(token))).status_code == 403


async def test_blank_or_missing_name_is_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for body in ({"name": "   "}, {"name": ""}, {}, {"name": "x" * 201}):
        response = await client.post("/api/v1/agents", json=body, headers=admin_headers)
        assert response.status_code == 422, body


async def test_deactivate_revokes_token_and_returns_held_handoffs(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    agent, token = await make_agent(session)
    handoff = await make_handoff(session)
    await session.commit()
    claim = await client.post(f"/api/v1/handoffs/{handoff.id}/claim", headers=bearer(token))
    assert claim.status_code == 200

    response = await client.delete(f"/api/v1/agents/{agent.id}", headers=admin_headers)
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert (await client.get("/api/v1/handoffs", headers=bearer(token))).status_code == 401
    stored = await session.scalar(
        select(Handoff).where(Handoff.id == handoff.id).execution_options(populate_existing=True)
    )
    assert stored is not None
    assert (stored.status, stored.agent_id) == ("waiting", None)
    await session.commit()

    missing = await client.delete("/api/v1/agents/999999", headers=admin_headers)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "agent_not_found")
