"""Teams and agents made through the public API, and handoffs routed to a team."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.escalation.models import Handoff
from app.teams.routing import RoutingPolicy
from app.types import HandoffStatus
from tests.conftest import ADMIN_TOKEN
from tests.factories import bearer, make_handoff

ADMIN = bearer(ADMIN_TOKEN)


async def new_team(client: httpx.AsyncClient, name: str, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/teams", json={"name": name, **fields}, headers=ADMIN)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def new_agent(
    client: httpx.AsyncClient, name: str, *, teams: list[int], max_open: int = 3
) -> tuple[int, dict[str, str]]:
    """An agent in these teams; its id and bearer headers."""
    body = {"name": name, "teams": teams, "max_open": max_open}
    response = await client.post("/api/v1/agents", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return response.json()["id"], bearer(response.json()["token"])


async def set_status(
    client: httpx.AsyncClient, headers: dict[str, str], status: str
) -> dict[str, Any]:
    response = await client.put(
        "/api/v1/agents/me/status", json={"status": status}, headers=headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def open_for_team(
    sessionmaker: async_sessionmaker[AsyncSession], team: str, count: int = 1
) -> list[int]:
    """``count`` handoffs routed to ``team`` as the default team, each committed."""
    ids = []
    for _ in range(count):
        async with sessionmaker() as session, session.begin():
            handoff = await make_handoff(session, routing=RoutingPolicy(default_team=team))
            ids.append(handoff.id)
    return ids


async def held_by(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[int | None, int]:
    """Open handoffs per agent right now."""
    async with sessionmaker() as session:
        rows = await session.execute(
            select(Handoff.agent_id, func.count())
            .where(Handoff.status == HandoffStatus.assigned.value)
            .group_by(Handoff.agent_id)
        )
        return {agent_id: int(n) for agent_id, n in rows.tuples()}


async def statuses(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessionmaker() as session:
        rows = await session.execute(select(Handoff.status, func.count()).group_by(Handoff.status))
        return {status: int(n) for status, n in rows.tuples()}
