"""GET /api/v1/outbox and POST /api/v1/outbox/{id}/retry."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.outbox.worker import deliver_due
from app.types import DeliveryStatus
from tests.fakes.graph_api import FakeGraphApi, meta_error
from tests.outbox.helpers import message, outbox_rows, queue_replies


async def _fail_one(app: FastAPI, session: AsyncSession, graph_api: FakeGraphApi) -> int:
    now = utcnow()
    _, (message_id,) = await queue_replies(session, now=now)
    graph_api.script(meta_error(131047))
    async with httpx.AsyncClient() as http:
        await deliver_due(app.state.sessionmaker, http, app.state.settings, now=now)
    return message_id


async def test_admin_sees_failed_deliveries_and_retries_one(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    graph_api: FakeGraphApi,
    admin_headers: dict[str, str],
) -> None:
    message_id = await _fail_one(app, session, graph_api)
    await queue_replies(session, external_id="628999", now=utcnow())  # pending, not failed

    listed = await client.get("/api/v1/outbox", params={"status": "failed"}, headers=admin_headers)
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert item["status"] == "failed"
    assert item["last_error"].startswith("window_closed")
    assert item["message_id"] == message_id
    pending = await client.get(
        "/api/v1/outbox", params={"status": "pending"}, headers=admin_headers
    )
    assert len(pending.json()["items"]) == 1

    retried = await client.post(f"/api/v1/outbox/{item['id']}/retry", headers=admin_headers)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    assert (await message(session, message_id)).delivery_status == DeliveryStatus.pending

    async with httpx.AsyncClient() as http:
        await deliver_due(app.state.sessionmaker, http, app.state.settings, now=utcnow())
    assert {r.status for r in await outbox_rows(session)} == {"sent"}
    assert (await message(session, message_id)).delivery_status == DeliveryStatus.sent

    again = await client.post(f"/api/v1/outbox/{item['id']}/retry", headers=admin_headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "outbox_item_not_failed"


async def test_unknown_item_is_404_and_admin_only(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    missing = await client.post("/api/v1/outbox/999999/retry", headers=admin_headers)
    assert missing.status_code == 404
    assert (await client.get("/api/v1/outbox")).status_code == 401
    bad = await client.get("/api/v1/outbox", params={"status": "bogus"}, headers=admin_headers)
    assert bad.status_code == 422
