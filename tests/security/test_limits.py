"""Abuse limits: request body size on every route, text length, web chat rate limits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.channels.models import WebchatSession
from app.config import Settings
from app.conversations.models import Message
from app.main import create_app
from tests.factories import bearer
from tests.security.conftest import WA_SECRET
from tests.security.test_auth_matrix import ROUTES
from tests.security.world import ADMIN, assert_error_shape, make_world, sign

LIMIT = 2048
ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def make_client(settings: Settings) -> ClientFactory:
    """A client on an app built with ``settings`` changed by ``**updates``."""

    @asynccontextmanager
    async def make(
        ip: str = "203.0.113.7", app_settings: dict[str, Any] | None = None
    ) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings.model_copy(update=app_settings or {}))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(ip, 5000))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                yield c

    return make


async def count(session: AsyncSession, model: type[Message] | type[WebchatSession]) -> int:
    # Ends the read transaction at once: on SQLite it would hold the lock the app needs.
    n = await session.scalar(select(func.count()).select_from(model))
    await session.commit()
    return n or 0


def too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert_error_shape(response)
    assert response.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES))
async def test_every_route_refuses_an_oversize_body(
    make_client: ClientFactory, method: str, path: str
) -> None:
    # Placeholders need not exist: the limit applies before routing, auth or parsing.
    url = path.replace("{", "").replace("}", "")
    async with make_client(app_settings={"max_body_bytes": LIMIT}) as client:
        body = b'{"text": "' + b"x" * LIMIT + b'"}'
        response = await client.request(
            method, url, content=body, headers={"Content-Type": "application/json"} | ADMIN
        )
    too_large(response)


def chunks(total: int) -> Callable[[], AsyncIterator[bytes]]:
    async def stream() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(total // 256):
            yield b"x" * 256
        yield b'"}'

    return stream


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/webchat/sessions",
        "/api/v1/webchat/messages",
        "/api/v1/kb/articles",
        "/api/v1/kb/import",
        "/api/v1/agents",
        "/webhooks/whatsapp",
        "/webhooks/messenger",
    ],
)
async def test_a_chunked_body_without_content_length_is_cut_off(
    make_client: ClientFactory, session: AsyncSession, path: str
) -> None:
    async with make_client(app_settings={"max_body_bytes": LIMIT}) as client:
        chat = await client.post("/api/v1/webchat/sessions", json={})
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(WA_SECRET, b"")}
        auth = bearer(chat.json()["token"]) if path.endswith("messages") else ADMIN
        response = await client.post(path, content=chunks(4 * LIMIT)(), headers=headers | auth)
        assert "content-length" not in response.request.headers
        too_large(response)
        # Under the limit the same route works (or refuses for another reason than size).
        small = await client.post(path, content=chunks(LIMIT // 2)(), headers=headers | auth)
        assert small.status_code != 413


async def test_a_signed_oversize_webhook_is_refused(make_client: ClientFactory) -> None:
    body = b'{"object": "whatsapp_business_account", "entry": [], "pad": "' + b"x" * LIMIT + b'"}'
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(WA_SECRET, body)}
    async with make_client(app_settings={"max_body_bytes": LIMIT}) as client:
        too_large(await client.post("/webhooks/whatsapp", content=body, headers=headers))


async def test_web_chat_text_longer_than_the_limit_is_422(
    make_client: ClientFactory, session: AsyncSession
) -> None:
    async with make_client(app_settings={"max_text_length": 50}) as client:
        chat = bearer((await client.post("/api/v1/webchat/sessions", json={})).json()["token"])
        refused = await client.post(
            "/api/v1/webchat/messages", json={"text": "x" * 51}, headers=chat
        )
        assert refused.status_code == 422, refused.text
        assert_error_shape(refused)
        assert await count(session, Message) == 0
        fits = await client.post("/api/v1/webchat/messages", json={"text": "y" * 50}, headers=chat)
        assert fits.status_code == 200, fits.text


async def test_agent_reply_longer_than_the_limit_is_422(
    make_client: ClientFactory, session: AsyncSession
) -> None:
    async with make_client(app_settings={"max_text_length": 50}) as client:
        world = await make_world(client, session)
        handoff_id = await world.handoff(claimed_by=world.agent)
        url = f"/api/v1/handoffs/{handoff_id}/messages"
        refused = await client.post(url, json={"text": "x" * 51}, headers=world.agent)
        assert refused.status_code == 422, refused.text
        assert_error_shape(refused)
        fits = await client.post(url, json={"text": "y" * 50}, headers=world.agent)
        assert fits.status_code == 202, fits.text


def rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert_error_shape(response)
    assert response.json()["error"]["code"] == "rate_limited"
    retry_after = response.headers.get("retry-after")
    assert retry_after is not None
    assert retry_after.isdigit()
    assert 1 <= int(retry_after) <= 60


async def test_web_chat_sessions_are_rate_limited_per_ip(
    make_client: ClientFactory, session: AsyncSession
) -> None:
    limits = {"webchat_sessions_per_minute_per_ip": 3}
    async with make_client("198.51.100.1", limits) as first:
        for _ in range(3):
            assert (await first.post("/api/v1/webchat/sessions", json={})).status_code == 201
        rate_limited(await first.post("/api/v1/webchat/sessions", json={}))
        assert await count(session, WebchatSession) == 3


async def test_the_session_limit_of_one_ip_leaves_others_alone(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"webchat_sessions_per_minute_per_ip": 2}))

    def client_at(ip: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(ip, 5000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async with app.router.lifespan_context(app), client_at("198.51.100.1") as client:
        async with client_at("198.51.100.2") as neighbour:
            for _ in range(2):
                assert (await client.post("/api/v1/webchat/sessions", json={})).status_code == 201
            rate_limited(await client.post("/api/v1/webchat/sessions", json={}))
            assert (await neighbour.post("/api/v1/webchat/sessions", json={})).status_code == 201


async def test_web_chat_messages_are_rate_limited_per_session(
    make_client: ClientFactory, session: AsyncSession
) -> None:
    async with make_client(app_settings={"webchat_messages_per_minute": 3}) as client:
        alice = bearer((await client.post("/api/v1/webchat/sessions", json={})).json()["token"])
        bob = bearer((await client.post("/api/v1/webchat/sessions", json={})).json()["token"])
        for _ in range(3):
            sent = await client.post(
                "/api/v1/webchat/messages", json={"text": "halo"}, headers=alice
            )
            assert sent.status_code == 200, sent.text
        stored = await count(session, Message)
        rate_limited(
            await client.post("/api/v1/webchat/messages", json={"text": "halo"}, headers=alice)
        )
        assert await count(session, Message) == stored
        sent = await client.post("/api/v1/webchat/messages", json={"text": "halo"}, headers=bob)
        assert sent.status_code == 200, sent.text
