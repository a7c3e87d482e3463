"""CORS on the web chat API for the widget on a business's own site, and what the widget reads
back: the whole history, and the name of the agent who replied."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from tests.bot.kb_fixture import load_test_kb
from tests.conftest import make_settings

SHOP = "https://shop.example"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization",
}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        webchat_allowed_origins=f"{SHOP}/, https://www.shop.example",
        webchat_sessions_per_minute_per_ip=2,
        webchat_messages_per_minute=3,
    )


def _visitor(app: FastAPI, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://router.test")


@pytest.fixture
async def visitor_a(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _visitor(app, "203.0.113.10") as client:
        yield client


@pytest.fixture
async def visitor_b(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _visitor(app, "203.0.113.20") as client:
        yield client


def _cors_headers(response: httpx.Response) -> list[str]:
    return [name for name in response.headers if name.startswith("access-control-")]


@pytest.mark.parametrize("origin", [SHOP, "https://www.shop.example", "HTTPS://SHOP.EXAMPLE"])
async def test_a_listed_origin_passes_the_preflight(client: httpx.AsyncClient, origin: str) -> None:
    for path in ("/api/v1/webchat/sessions", "/api/v1/webchat/messages"):
        response = await client.options(path, headers={**PREFLIGHT, "Origin": origin})
        assert response.status_code == 204
        assert response.headers["access-control-allow-origin"] == origin
        assert "POST" in response.headers["access-control-allow-methods"]
        assert "Authorization" in response.headers["access-control-allow-headers"]
        assert "access-control-allow-credentials" not in response.headers


@pytest.mark.parametrize("origin", ["https://evil.example", "https://shop.example.evil", "null"])
async def test_any_other_origin_gets_no_cors_headers(
    client: httpx.AsyncClient, origin: str
) -> None:
    preflight = await client.options(
        "/api/v1/webchat/messages", headers={**PREFLIGHT, "Origin": origin}
    )
    assert preflight.status_code == 403
    assert preflight.json()["error"]["code"] == "origin_not_allowed"
    assert _cors_headers(preflight) == []
    created = await client.post("/api/v1/webchat/sessions", json={}, headers={"Origin": origin})
    assert _cors_headers(created) == []


async def test_only_the_web_chat_api_is_opened(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/handoffs", headers={**admin_headers, "Origin": SHOP})
    assert response.status_code == 200
    assert _cors_headers(response) == []
    preflight = await client.options("/api/v1/handoffs", headers={**PREFLIGHT, "Origin": SHOP})
    assert _cors_headers(preflight) == []


async def test_errors_carry_cors_headers_so_the_widget_can_read_them(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/webchat/messages",
        json={"text": "halo"},
        headers={"Origin": SHOP, "Authorization": "Bearer wct_stale"},
    )
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == SHOP
    assert "origin" in response.headers["vary"].lower()


async def test_rate_limits_stay_per_visitor_behind_the_shop_origin(
    visitor_a: httpx.AsyncClient, visitor_b: httpx.AsyncClient
) -> None:
    shop = {"Origin": SHOP}
    tokens = []
    for _ in range(2):
        created = await visitor_a.post("/api/v1/webchat/sessions", json={}, headers=shop)
        assert created.status_code == 201
        tokens.append(created.json()["token"])
    limited = await visitor_a.post("/api/v1/webchat/sessions", json={}, headers=shop)
    assert limited.status_code == 429
    assert limited.headers["access-control-allow-origin"] == SHOP
    assert "Retry-After" in limited.headers["access-control-expose-headers"]
    # Another visitor of the same shop is not limited by the first one's sessions...
    other = await visitor_b.post("/api/v1/webchat/sessions", json={}, headers=shop)
    assert other.status_code == 201

    # ...nor by the first one's messages.
    first = {**shop, "Authorization": f"Bearer {tokens[0]}"}
    codes = [
        (
            await visitor_a.post("/api/v1/webchat/messages", json={"text": "halo"}, headers=first)
        ).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    second = {**shop, "Authorization": f"Bearer {other.json()['token']}"}
    reply = await visitor_b.post("/api/v1/webchat/messages", json={"text": "halo"}, headers=second)
    assert reply.status_code == 200


async def test_history_and_the_agent_name(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await load_test_kb(client, admin_headers)
    token = (await client.post("/api/v1/webchat/sessions", json={})).json()["token"]
    chat = {"Authorization": f"Bearer {token}"}
    asked = await client.post(
        "/api/v1/webchat/messages", json={"text": "cara minta refund uang saya"}, headers=chat
    )
    assert asked.json()["replies"][0]["article"] == "refund-dana"
    await client.post("/api/v1/webchat/messages", json={"action": "escalate"}, headers=chat)
    agent = (
        await client.post("/api/v1/agents", json={"name": "Dewi"}, headers=admin_headers)
    ).json()
    as_agent = {"Authorization": f"Bearer {agent['token']}"}
    (item,) = (await client.get("/api/v1/handoffs", headers=as_agent)).json()["items"]
    url = f"/api/v1/handoffs/{item['id']}"
    await client.post(f"{url}/claim", headers=as_agent)
    await client.post(f"{url}/messages", json={"text": "Halo, saya Dewi."}, headers=as_agent)
    await client.post(f"{url}/messages", json={"text": "Dari admin."}, headers=admin_headers)

    history = await client.get("/api/v1/webchat/messages", params={"history": "true"}, headers=chat)
    rows = [
        (m["sender"], m["action"], m["article"], m["agent_name"])
        for m in history.json()["messages"]
    ]
    assert rows == [
        ("customer", None, None, None),
        ("bot", None, "refund-dana", None),
        ("customer", "escalate", None, None),
        ("bot", None, None, None),
        ("agent", None, None, "Dewi"),
        ("agent", None, None, None),  # the admin is nobody's name
    ]
    # Without ``history`` the poll stays what it was: the team's messages only.
    polled = await client.get("/api/v1/webchat/messages", headers=chat)
    assert [m["sender"] for m in polled.json()["messages"]] == ["agent", "agent"]
