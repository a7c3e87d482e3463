"""``GET /api/v1/media/{message_id}``: files fetched from the (fake) Graph API over real HTTP."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Message
from tests.channels.meta_payloads import attachment, customer_message, wa_message
from tests.channels.test_intake import process_inbox
from tests.channels.webhook_client import post_messenger, post_whatsapp
from tests.fakes.fixtures import WA_TOKEN, graph_api, settings
from tests.fakes.graph_api import FakeGraphApi

__all__ = ["graph_api", "settings"]
PHOTO = bytes(range(256)) * 40  # 10 KiB, not valid UTF-8: compared byte for byte


@pytest.fixture(autouse=True)
def _bot(app: FastAPI) -> None:
    assert app.state.bot is not None


async def stored_media(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, media_id: str
) -> int:
    image = {"id": media_id, "mime_type": "image/jpeg"}
    await post_whatsapp(client, wa_message("image", wamid=f"wamid.{media_id}", image=image))
    await process_inbox(app)
    message_id = await session.scalar(select(Message.id).where(Message.media_id == media_id))
    await session.commit()
    assert message_id is not None
    return message_id


async def test_whatsapp_media_is_streamed_with_its_type_and_the_token(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    graph_api: FakeGraphApi,
    admin_headers: dict[str, str],
) -> None:
    graph_api.add_media("wa-photo", PHOTO, "image/jpeg")
    message_id = await stored_media(app, client, session, "wa-photo")
    response = await client.get(f"/api/v1/media/{message_id}", headers=admin_headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content == PHOTO
    # media id -> url -> bytes, both with the access token
    assert graph_api.media_requests == [
        ("/v21.0/wa-photo", f"Bearer {WA_TOKEN}"),
        ("/files/wa-photo", f"Bearer {WA_TOKEN}"),
    ]


async def test_messenger_media_comes_from_the_attachment_url(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    graph_api: FakeGraphApi,
    admin_headers: dict[str, str],
) -> None:
    graph_api.add_media("doc.pdf", b"%PDF-1.7 fake", "application/pdf", sized=False)
    message = attachment("file", "m_media1", url=graph_api.cdn_url("doc.pdf"))
    await post_messenger(client, customer_message(message))
    await process_inbox(app)
    message_id = await session.scalar(select(Message.id).where(Message.kind == "document"))
    await session.commit()
    response = await client.get(f"/api/v1/media/{message_id}", headers=admin_headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content == b"%PDF-1.7 fake"
    assert graph_api.media_requests == [("/cdn/doc.pdf", "")]  # no token to a CDN


@pytest.mark.parametrize("sized", [True, False])
async def test_a_file_over_the_cap_is_413(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    graph_api: FakeGraphApi,
    admin_headers: dict[str, str],
    sized: bool,
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"media_max_bytes": 4096})
    graph_api.add_media("big", PHOTO, "image/jpeg", sized=sized)
    message_id = await stored_media(app, client, session, "big")
    response = await client.get(f"/api/v1/media/{message_id}", headers=admin_headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "media_too_large"


async def test_unknown_messages_and_platform_failures(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    graph_api: FakeGraphApi,
    admin_headers: dict[str, str],
) -> None:
    missing = await client.get("/api/v1/media/424242", headers=admin_headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "media_not_found"

    # A text message has no file.
    await post_whatsapp(client, wa_message("text", wamid="wamid.txt", text={"body": "halo"}))
    await process_inbox(app)
    text_id = await session.scalar(select(Message.id).where(Message.kind == "text"))
    await session.commit()
    assert (await client.get(f"/api/v1/media/{text_id}", headers=admin_headers)).status_code == 404

    gone = await stored_media(app, client, session, "expired-at-meta")  # never added
    response = await client.get(f"/api/v1/media/{gone}", headers=admin_headers)
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "platform_error"

    graph_api.add_media("down", PHOTO, "image/jpeg")
    down = await stored_media(app, client, session, "down")
    graph_api.outage = True
    response = await client.get(f"/api/v1/media/{down}", headers=admin_headers)
    assert response.status_code == 502
    assert set(response.json()["error"]) == {"code", "message"}


async def test_agents_may_open_media_customers_may_not(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    graph_api: FakeGraphApi,
    admin_headers: dict[str, str],
) -> None:
    graph_api.add_media("p2", PHOTO, "image/jpeg")
    message_id = await stored_media(app, client, session, "p2")
    created = await client.post("/api/v1/agents", json={"name": "Ani"}, headers=admin_headers)
    agent = {"Authorization": f"Bearer {created.json()['token']}"}
    assert (await client.get(f"/api/v1/media/{message_id}", headers=agent)).status_code == 200
    assert (await client.get(f"/api/v1/media/{message_id}")).status_code == 401
