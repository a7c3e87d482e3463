"""The admin API and CLI for event subscriptions: validation, the address check (server-side
request forgery) and the secret never coming back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from tests.events.conftest import SECRET, subscribe

REFUSED = [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://172.16.5.5/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[fe80::1]/hook",
    "http://0.0.0.0/hook",
    "http://100.64.0.1/hook",
    "http://2130706433/hook",  # 127.0.0.1 as one number
    "http://0x7f.1/hook",
]
LONG_URL = "https://93.184.215.14/" + "x" * 2100


@pytest.fixture
async def strict_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app with the default: private addresses refused."""
    app = create_app(settings.model_copy(update={"events_allow_private_urls": False}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


MALFORMED = ["ftp://93.184.215.14/x", "http://user:pw@93.184.215.14/x", "not a url", "http:///x"]


@pytest.mark.parametrize("url", REFUSED + MALFORMED)
async def test_private_and_malformed_urls_are_refused(
    strict_client: httpx.AsyncClient, admin_headers: dict[str, str], url: str
) -> None:
    response = await strict_client.post(
        "/api/v1/event-subscriptions",
        json={"url": url, "events": ["handoff.created"], "secret": SECRET},
        headers=admin_headers,
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "unsafe_url"
    listed = await strict_client.get("/api/v1/event-subscriptions", headers=admin_headers)
    assert listed.json()["items"] == []


async def test_a_public_address_is_accepted_and_the_secret_never_echoed(
    strict_client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await subscribe(
        strict_client, admin_headers, "https://93.184.215.14/hooks", ["csat.received"]
    )
    assert created["url"] == "https://93.184.215.14/hooks"
    assert created["events"] == ["csat.received"]
    assert created["status"] == "active"
    assert created["health"]["consecutive_failures"] == 0
    listed = await strict_client.get("/api/v1/event-subscriptions", headers=admin_headers)
    assert [item["id"] for item in listed.json()["items"]] == [created["id"]]
    for text in (str(created), listed.text):
        assert SECRET not in text
        assert "secret" not in text


@pytest.mark.parametrize(
    "body",
    [
        {"url": "https://93.184.215.14/h", "events": ["handoff.exploded"], "secret": SECRET},
        {"url": "https://93.184.215.14/h", "events": [], "secret": SECRET},
        {"url": "https://93.184.215.14/h", "events": ["csat.received"], "secret": "short"},
        {"url": "https://93.184.215.14/h", "events": ["csat.received"]},
        {
            "url": "https://93.184.215.14/" + "x" * 2100,
            "events": ["csat.received"],
            "secret": SECRET,
        },
    ],
)
async def test_invalid_bodies_are_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], body: dict[str, object]
) -> None:
    response = await client.post("/api/v1/event-subscriptions", json=body, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert "error" in response.json()


async def test_delete_then_404(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await subscribe(client, admin_headers, "http://127.0.0.1:9/h")
    url = f"/api/v1/event-subscriptions/{created['id']}"
    assert (await client.delete(url, headers=admin_headers)).status_code == 204
    again = await client.delete(url, headers=admin_headers)
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "event_subscription_not_found"
    resumed = await client.post(f"{url}/resume", headers=admin_headers)
    assert resumed.status_code == 404
