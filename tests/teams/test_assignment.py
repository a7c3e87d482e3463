"""Auto-assignment: capacity, balance, presence, and two app instances racing on one
database (DESIGN.md round 3, "The support team's workday")."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import utcnow
from app.escalation.leases import expire_leases
from app.escalation.models import Agent, Handoff, HandoffEvent
from app.events.catalog import EVENT_CHANNEL
from app.main import create_app
from app.outbox.models import OutboxItem
from app.teams.assignment import assign_waiting
from app.teams.presence import run_routing
from app.types import HandoffStatus
from tests.conftest import make_settings
from tests.teams.support import held_by, new_agent, new_team, open_for_team, set_status, statuses

LIMIT = 2


async def assignments_per_handoff(maker: async_sessionmaker[AsyncSession]) -> dict[int, int]:
    async with maker() as session:
        rows = await session.execute(
            select(HandoffEvent.handoff_id, func.count())
            .where(HandoffEvent.kind == "assigned")
            .group_by(HandoffEvent.handoff_id)
        )
        return {handoff_id: int(n) for handoff_id, n in rows.tuples()}


async def mine(client: httpx.AsyncClient, headers: dict[str, str]) -> list[int]:
    response = await client.get(
        "/api/v1/handoffs", params={"status": "assigned", "mine": "true"}, headers=headers
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def three_agents(client: httpx.AsyncClient) -> list[tuple[int, dict[str, str]]]:
    team = await new_team(client, "Billing", categories=["billing"], auto_assign=True)
    return [
        await new_agent(client, name, teams=[team["id"]], max_open=LIMIT)
        for name in ("Ani", "Budi", "Citra")
    ]


async def resolve_all(
    clients: list[httpx.AsyncClient],
    agents: list[tuple[int, dict[str, str]]],
    maker: async_sessionmaker[AsyncSession],
) -> None:
    """Agents resolve what they hold, all at once, until nothing is left; never over a limit."""
    for _ in range(40):
        held = [(headers, await mine(clients[0], headers)) for _, headers in agents]
        if not any(ids for _, ids in held):
            break
        calls = [
            clients[i % len(clients)].post(f"/api/v1/handoffs/{handoff_id}/resolve", headers=h)
            for i, (h, ids) in enumerate(held)
            for handoff_id in ids
        ]
        for response in await asyncio.gather(*calls):
            assert response.status_code == 200, response.text
        assert max((await held_by(maker)).values(), default=0) <= LIMIT


async def test_thirty_handoffs_three_agents_limit_two(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    maker = app.state.sessionmaker
    agents = await three_agents(client)
    for _, headers in agents:
        await set_status(client, headers, "online")
    await open_for_team(maker, "Billing", 30)

    held = await held_by(maker)
    assert sorted(held.values()) == [LIMIT, LIMIT, LIMIT]  # balanced: 6 assigned, 24 wait
    assert (await statuses(maker)) == {"assigned": 6, "waiting": 24}
    listed = await client.get(
        "/api/v1/agents", headers={"Authorization": "Bearer test-admin-token"}
    )
    assert {a["open_count"] for a in listed.json()["items"]} == {LIMIT}

    await resolve_all([client], agents, maker)
    assert (await statuses(maker)) == {"resolved": 30}
    # Every handoff went to exactly one agent, once.
    assert set((await assignments_per_handoff(maker)).values()) == {1}


async def test_offline_and_away_agents_get_none_until_online(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    maker = app.state.sessionmaker
    (ani, ani_headers), (budi, budi_headers), _ = await three_agents(client)
    await set_status(client, budi_headers, "away")
    await open_for_team(maker, "Billing", 3)
    assert (await statuses(maker)) == {"waiting": 3}

    # Coming online takes the waiting work at once (within the limit), oldest first.
    body = await set_status(client, ani_headers, "online")
    assert len(body["assigned"]) == LIMIT
    assert sorted(await mine(client, ani_headers)) == sorted(body["assigned"])
    assert (await held_by(maker)) == {ani: LIMIT}

    # Going away stops new work; another agent coming online takes the rest.
    await set_status(client, ani_headers, "away")
    [fourth] = await open_for_team(maker, "Billing")
    assert (await held_by(maker)) == {ani: LIMIT}
    body = await set_status(client, budi_headers, "online")
    assert len(body["assigned"]) == 2
    assert fourth in body["assigned"]
    assert (await held_by(maker)) == {ani: LIMIT, budi: 2}


async def test_fewest_open_first_then_longest_since_last(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    maker = app.state.sessionmaker
    agents = await three_agents(client)
    for _, headers in agents:
        await set_status(client, headers, "online")
    first = await open_for_team(maker, "Billing", 3)
    # One each: nobody got a second while another had none.
    assert sorted((await held_by(maker)).values()) == [1, 1, 1]
    # The agent whose last assignment is oldest gets the next one.
    [fourth] = await open_for_team(maker, "Billing")
    async with maker() as session:
        first_holder = await session.scalar(select(Handoff.agent_id).where(Handoff.id == first[0]))
        holder = await session.scalar(select(Handoff.agent_id).where(Handoff.id == fourth))
    assert holder == first_holder


async def test_release_gives_it_to_someone_else(client: httpx.AsyncClient, app: FastAPI) -> None:
    maker = app.state.sessionmaker
    (_ani, ani_headers), (budi, budi_headers), _ = await three_agents(client)
    await set_status(client, ani_headers, "online")
    [handoff_id] = await open_for_team(maker, "Billing")
    await set_status(client, budi_headers, "online")
    released = await client.post(f"/api/v1/handoffs/{handoff_id}/release", headers=ani_headers)
    assert released.status_code == 200
    assert released.json()["agent_id"] == budi
    assert released.json()["team"]["name"] == "Billing"


async def test_presence_sweep_marks_silent_agents_offline(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    maker = app.state.sessionmaker
    (ani, ani_headers), (budi, budi_headers), _ = await three_agents(client)
    await set_status(client, ani_headers, "online")
    await set_status(client, budi_headers, "online")
    async with maker() as session, session.begin():
        stale = utcnow() - timedelta(seconds=settings.agent_presence_timeout_seconds + 5)
        await session.execute(update(Agent).where(Agent.id == ani).values(last_seen_at=stale))
    await run_routing(maker, settings)
    async with maker() as session:
        rows = await session.execute(select(Agent.id, Agent.status))
        found = {agent_id: status for agent_id, status in rows.tuples()}
    assert found[ani] == "offline"
    assert found[budi] == "online"
    await open_for_team(maker, "Billing", 2)
    assert (await held_by(maker)) == {budi: 2}  # none for the closed laptop


async def test_routing_job_assigns_what_events_missed(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    maker = app.state.sessionmaker
    (ani, _ani_headers), *_ = await three_agents(client)
    await open_for_team(maker, "Billing", 1)
    async with maker() as session, session.begin():  # online without the API's event
        await session.execute(
            update(Agent).where(Agent.id == ani).values(status="online", last_seen_at=utcnow())
        )
    assert await run_routing(maker, settings) == 1
    assert (await held_by(maker)) == {ani: 1}


@pytest.fixture
async def second_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """Another instance of the service on the same database (a second replica)."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def test_two_instances_racing_never_exceed_a_limit(
    client: httpx.AsyncClient, app: FastAPI, second_app: FastAPI
) -> None:
    maker, other = app.state.sessionmaker, second_app.state.sessionmaker
    agents = await three_agents(client)
    await open_for_team(maker, "Billing", 30)
    async with maker() as session, session.begin():  # online, nothing assigned yet
        await session.execute(update(Agent).values(status="online", last_seen_at=utcnow()))

    async def run(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
        async with sessionmaker() as session, session.begin():
            return len(await assign_waiting(session, now=utcnow(), lease_seconds=300))

    transport = httpx.ASGITransport(app=second_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://replica") as replica:
        clients = [client, replica]
        racing: list[Awaitable[object]] = [run(maker if i % 2 else other) for i in range(8)]
        racing += [set_status(clients[i % 2], h, "online") for i, (_, h) in enumerate(agents)]
        await asyncio.gather(*racing)
        held = await held_by(maker)
        assert sorted(held.values()) == [LIMIT, LIMIT, LIMIT], held
        assert max((await assignments_per_handoff(maker)).values()) == 1

        await resolve_all(clients, agents, maker)
    assert (await statuses(maker)) == {"resolved": 30}
    assert set((await assignments_per_handoff(maker)).values()) == {1}
    async with maker() as session:
        doubled = await session.scalar(
            select(func.count())
            .select_from(Handoff)
            .where(Handoff.status == HandoffStatus.assigned.value)
        )
    assert doubled == 0


async def test_an_unanswered_assignment_goes_to_someone_else(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    maker = app.state.sessionmaker
    (ani, ani_headers), (budi, budi_headers), _ = await three_agents(client)
    await set_status(client, ani_headers, "online")
    [handoff_id] = await open_for_team(maker, "Billing")
    await set_status(client, budi_headers, "online")
    assert (await held_by(maker)) == {ani: 1}
    later = utcnow() + timedelta(seconds=301)
    async with maker() as session, session.begin():
        assert await expire_leases(session, now=later, lease_seconds=300) == 1
    async with maker() as session:
        assert (
            await session.scalar(select(Handoff.agent_id).where(Handoff.id == handoff_id)) == budi
        )


async def test_the_bot_routes_by_setting_and_assigns_at_once(
    database_url: str, client: httpx.AsyncClient
) -> None:
    """Through the engine: ROUTER_DEFAULT_TEAM, then the online member gets it in the same
    transaction (the customer is told no queue position)."""
    routed = create_app(make_settings(database_url, default_team="billing"))
    async with routed.router.lifespan_context(routed):
        transport = httpx.ASGITransport(app=routed)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as web:
            team = await new_team(web, "Billing", auto_assign=True)
            _, headers = await new_agent(web, "Ani", teams=[team["id"]])
            await set_status(web, headers, "online")
            started = await web.post("/api/v1/webchat/sessions", json={"name": "Budi"})
            customer = {"Authorization": f"Bearer {started.json()['token']}"}
            sent = await web.post(
                "/api/v1/webchat/messages", json={"action": "escalate"}, headers=customer
            )
            assert sent.json()["conversation"]["status"] == "handoff"
            [item] = (
                await web.get(
                    "/api/v1/handoffs",
                    params={"status": "assigned", "mine": "true"},
                    headers=headers,
                )
            ).json()["items"]
            assert item["team"]["name"] == "Billing"
            assert item["claimed_at"] is not None


async def test_events_name_the_team_and_ring_the_assignee(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    """``handoff.created`` (with its team) and then ``handoff.claimed`` with the agent: what
    an outside tool needs to ring the assignee."""
    body = {
        "url": "https://93.184.215.14/hooks",
        "events": ["handoff.created", "handoff.claimed"],
        "secret": "s" * 16,
    }
    subscribed = await client.post(
        "/api/v1/event-subscriptions",
        json=body,
        headers={"Authorization": "Bearer test-admin-token"},
    )
    assert subscribed.status_code == 201, subscribed.text
    (ani, ani_headers), *_ = await three_agents(client)
    await set_status(client, ani_headers, "online")
    await open_for_team(app.state.sessionmaker, "Billing")
    async with app.state.sessionmaker() as session:
        payloads = list(
            await session.scalars(
                select(OutboxItem.payload)
                .where(OutboxItem.channel == EVENT_CHANNEL)
                .order_by(OutboxItem.id)
            )
        )
    events = [json.loads(p["body"]) for p in payloads]
    assert [e["type"] for e in events] == ["handoff.created", "handoff.claimed"]
    assert events[0]["data"]["handoff"]["team"]["name"] == "Billing"
    assert events[1]["data"]["handoff"]["agent"] == {"id": ani, "name": "Ani"}
