"""Events under test: a real local receiver, which the tests may reach only because
``events_allow_private_urls`` is on (the refusal has its own tests, with it off)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.db import utcnow
from app.outbox.worker import deliver_due
from tests.conftest import make_settings
from tests.fakes.receiver import EventReceiver

SECRET = "receiver-shared-secret"
ALL_EVENTS = [
    "handoff.created",
    "handoff.claimed",
    "handoff.released",
    "handoff.resolved",
    "conversation.closed",
    "csat.received",
]


@pytest.fixture
async def receiver() -> AsyncIterator[EventReceiver]:
    async with EventReceiver() as fake:
        yield fake


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        events_allow_private_urls=True,
        outbox_backoff_base_seconds=1,
        outbox_backoff_max_seconds=60,
        outbox_max_attempts=3,
        graph_api_timeout_seconds=5,
    )


async def subscribe(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    url: str,
    events: list[str] | None = None,
    secret: str = SECRET,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/event-subscriptions",
        json={"url": url, "events": events or ALL_EVENTS, "secret": secret},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def deliver(app: FastAPI, *, now: datetime | None = None) -> int:
    """What the outbox worker does: send every delivery due at ``now``."""
    async with httpx.AsyncClient() as http:
        return await deliver_due(
            app.state.sessionmaker, http, app.state.settings, now=now or utcnow()
        )


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (the docs' snippet): HMAC-SHA256 of the raw body."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)
