"""Concurrent claims: exactly one agent wins, through the HTTP API and the database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.escalation.leases import expire_leases
from app.escalation.models import Handoff, HandoffEvent
from tests.factories import bearer, fetch, make_agent, make_handoff

CLAIMERS = 20


async def test_twenty_concurrent_claims_have_one_winner(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    tokens = [(await make_agent(session, name=f"agent {i}"))[1] for i in range(CLAIMERS)]
    handoff = await make_handoff(session)
    await session.commit()

    responses = await asyncio.gather(
        *(
            client.post(f"/api/v1/handoffs/{handoff.id}/claim", headers=bearer(token))
            for token in tokens
        )
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (CLAIMERS - 1)
    losers = [r.json()["error"]["code"] for r in responses if r.status_code == 409]
    assert set(losers) == {"already_claimed"}
    [winner] = [r.json() for r in responses if r.status_code == 200]
    stored = await fetch(app.state.sessionmaker, Handoff, handoff.id)
    assert (stored.status, stored.agent_id) == ("assigned", winner["agent_id"])
    claims = await session.scalar(
        select(func.count()).select_from(HandoffEvent).where(HandoffEvent.kind == "claimed")
    )
    assert claims == 1
    await session.commit()


async def test_reclaiming_ones_own_handoff_is_idempotent(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _agent, token = await make_agent(session)
    handoff = await make_handoff(session)
    await session.commit()
    url = f"/api/v1/handoffs/{handoff.id}/claim"
    first = await client.post(url, headers=bearer(token))
    second = await client.post(url, headers=bearer(token))
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["lease_expires_at"] == second.json()["lease_expires_at"]


async def test_unanswered_claim_goes_back_to_the_queue(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _slow, slow_token = await make_agent(session, name="slow")
    _next, next_token = await make_agent(session, name="next")
    handoff = await make_handoff(session)
    await session.commit()
    url = f"/api/v1/handoffs/{handoff.id}"
    assert (await client.post(f"{url}/claim", headers=bearer(slow_token))).status_code == 200

    lease = app.state.settings.handoff_lease_seconds
    async with app.state.sessionmaker() as s, s.begin():
        assert await expire_leases(s, now=utcnow(), lease_seconds=lease) == 0
    later = utcnow() + timedelta(seconds=lease + 1)
    async with app.state.sessionmaker() as s, s.begin():
        assert await expire_leases(s, now=later, lease_seconds=lease) == 1

    queue = (await client.get("/api/v1/handoffs", headers=bearer(next_token))).json()["items"]
    assert [(i["id"], i["position"]) for i in queue] == [(handoff.id, 1)]
    late_reply = await client.post(
        f"{url}/messages", json={"text": "maaf telat"}, headers=bearer(slow_token)
    )
    assert late_reply.status_code == 403
    assert (await client.post(f"{url}/claim", headers=bearer(next_token))).status_code == 200
