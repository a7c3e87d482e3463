"""Long-polling the queue: wakes on a new handoff, returns empty after the wait, and holds no
database connection while it waits."""

from __future__ import annotations

import asyncio
import time

import httpx
from fastapi import FastAPI

from app.db import utcnow
from app.escalation.service import open_handoff
from tests.factories import make_conversation


async def test_wakes_as_soon_as_a_handoff_opens(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(client.get("/api/v1/handoffs?wait=5", headers=admin_headers))
    await asyncio.sleep(0.3)
    assert not poll.done()
    # While it waits, the poll holds no connection (on SQLite it would also block this write).
    assert app.state.engine.pool.checkedout() == 0

    async with app.state.sessionmaker() as session, session.begin():
        conversation = await make_conversation(session)
        handoff = await open_handoff(
            session, conversation=conversation, reason="button", now=utcnow()
        )
    committed = time.monotonic()
    response = await poll
    latency = time.monotonic() - committed

    assert response.status_code == 200
    assert [i["id"] for i in response.json()["items"]] == [handoff.id]
    # Woken by the notifier, not found by the once-a-second re-query.
    assert latency < 0.5, f"long-poll answered {latency:.2f}s after the commit"
    assert time.monotonic() - started < 2


async def test_returns_empty_after_the_wait(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    started = time.monotonic()
    response = await client.get("/api/v1/handoffs?wait=1.2", headers=admin_headers)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.json() == {"items": []}
    assert 1.2 <= elapsed < 3


async def test_wait_is_capped_by_the_setting(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"handoff_max_wait_seconds": 0.5})
    started = time.monotonic()
    response = await client.get("/api/v1/handoffs?wait=600", headers=admin_headers)
    assert response.status_code == 200
    assert time.monotonic() - started < 2
    negative = await client.get("/api/v1/handoffs?wait=-1", headers=admin_headers)
    assert negative.status_code == 422


async def test_bad_token_is_rejected_before_waiting(client: httpx.AsyncClient) -> None:
    started = time.monotonic()
    response = await client.get(
        "/api/v1/handoffs?wait=5", headers={"Authorization": "Bearer wrong"}
    )
    assert response.status_code == 401
    assert time.monotonic() - started < 1
