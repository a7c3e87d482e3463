"""The agent's transcript long-poll across replicas: a customer message handled by another
``router serve`` process on the same database wakes a poll waiting in this one within a
second (nothing crosses between the processes but the database)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from tests.conftest import ADMIN_TOKEN
from tests.factories import bearer
from tests.serve import running_service


async def test_a_message_through_another_replica_wakes_the_poll(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    async with (
        running_service(tmp_path, database_url, ADMIN_TOKEN, ROUTER_KB_SEMANTIC="false") as base,
        httpx.AsyncClient(base_url=base, timeout=15) as other,
    ):
        created = (await other.post("/api/v1/webchat/sessions", json={"name": "Rudi"})).json()
        customer = bearer(created["token"])
        escalated = await other.post(
            "/api/v1/webchat/messages", json={"action": "escalate"}, headers=customer
        )
        assert escalated.json()["conversation"]["status"] == "handoff"
        [item] = (await client.get("/api/v1/handoffs", headers=admin_headers)).json()["items"]
        url = f"/api/v1/handoffs/{item['id']}/messages"
        cursor = (await client.get(url, headers=admin_headers)).json()["cursor"]

        poll = asyncio.create_task(
            client.get(url, params={"after": cursor, "wait": 10}, headers=admin_headers)
        )
        await asyncio.sleep(0.5)
        assert not poll.done()
        sent = await other.post(
            "/api/v1/webchat/messages", json={"text": "masih menunggu kak"}, headers=customer
        )
        assert sent.status_code == 200
        committed = time.monotonic()
        response = await poll
        latency = time.monotonic() - committed
    assert response.status_code == 200
    texts = [m["text"] for m in response.json()["messages"] if m["sender"] == "customer"]
    assert texts == ["masih menunggu kak"]
    assert latency < 1.0, f"answered {latency:.2f}s after the other replica stored it"
