"""The webhook edge: handshake, authentication, parsing errors, configuration."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.conversations.models import Message
from app.db import create_engine
from app.inbox.writer import InboxWriter
from app.main import create_app
from tests.channels.webhook_client import post_messenger, post_whatsapp, wa_text
from tests.conftest import ADMIN_TOKEN
from tests.fakes.fixtures import MS_VERIFY, WA_SECRET, WA_VERIFY, fixture_bytes, sign


@pytest.mark.parametrize(("path", "token"), [("whatsapp", WA_VERIFY), ("messenger", MS_VERIFY)])
async def test_handshake_echoes_the_challenge_as_plain_text(
    client: httpx.AsyncClient, path: str, token: str
) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"}
    response = await client.get(f"/webhooks/{path}", params=params)
    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")

    wrong = await client.get(f"/webhooks/{path}", params={**params, "hub.verify_token": "nope"})
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "verification_failed"
    missing = await client.get(f"/webhooks/{path}")
    assert missing.status_code == 403


async def test_missing_signature_is_401_and_wrong_signature_403(client: httpx.AsyncClient) -> None:
    body = fixture_bytes("wa_text.json")
    missing = await client.post("/webhooks/whatsapp", content=body)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "missing_signature"
    wrong = await client.post(
        "/webhooks/whatsapp",
        content=body,
        headers={"X-Hub-Signature-256": sign("not-the-secret", body)},
    )
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "invalid_signature"
    # Signed by WhatsApp's secret but sent to Messenger.
    crossed = await client.post(
        "/webhooks/messenger", content=body, headers={"X-Hub-Signature-256": sign(WA_SECRET, body)}
    )
    assert crossed.status_code == 403


async def test_signature_is_checked_on_the_raw_bytes(
    client: httpx.AsyncClient, session: AsyncSession, bot: object
) -> None:
    # Meta signs its escaped form; the same JSON re-serialised must not pass.
    raw = b'{"object":"whatsapp_business_account","entry":[],"note":"\\u00e4\\u00f6"}'
    assert (await post_whatsapp(client, raw)).status_code == 200
    reserialised = '{"object":"whatsapp_business_account","entry":[],"note":"äö"}'.encode()
    response = await client.post(
        "/webhooks/whatsapp",
        content=reserialised,
        headers={"X-Hub-Signature-256": sign(WA_SECRET, raw)},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'{"object": "page"}', b'{"object": "instagram", "entry": []}']
)
async def test_a_body_that_is_not_the_platform_json_is_400(
    client: httpx.AsyncClient, body: bytes
) -> None:
    response = await post_whatsapp(client, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_payload"


async def test_oversized_body_is_413(client: httpx.AsyncClient, settings: Settings) -> None:
    body = b'{"object": "page", "entry": [], "pad": "' + b"x" * settings.max_body_bytes + b'"}'
    response = await post_messenger(client, body)
    assert response.status_code == 413


async def test_stale_messages_are_acknowledged_without_a_reply(
    client: httpx.AsyncClient, session: AsyncSession, bot: object
) -> None:
    # The fixture's timestamp is long past: a re-delivery after an outage.
    response = await post_whatsapp(client, fixture_bytes("wa_text.json"))
    assert response.status_code == 200
    assert response.json()["stale"] == 1
    assert await session.scalar(select(func.count()).select_from(Message)) == 0


@pytest.fixture
async def unconfigured_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        migrate_on_start=False,
        run_workers=False,
        whatsapp_verify_token="only-the-verify-token",
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


@pytest.mark.parametrize("path", ["whatsapp", "messenger"])
async def test_a_channel_without_secrets_answers_404(
    unconfigured_client: httpx.AsyncClient, path: str
) -> None:
    body = fixture_bytes("wa_text.json")
    post = await unconfigured_client.post(
        f"/webhooks/{path}", content=body, headers={"X-Hub-Signature-256": sign("x", body)}
    )
    assert post.status_code == 404
    assert post.json()["error"]["code"] == "channel_not_configured"
    params = {"hub.mode": "subscribe", "hub.verify_token": "only-the-verify-token"}
    get = await unconfigured_client.get(
        f"/webhooks/{path}", params={**params, "hub.challenge": "1"}
    )
    assert get.status_code == 404


async def test_database_down_answers_503_so_the_platform_retries(
    app: FastAPI, client: httpx.AsyncClient, bot: object
) -> None:
    dead = create_engine(Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none"))
    working = app.state.inbox_writer
    app.state.inbox_writer = InboxWriter(dead)
    try:
        response = await post_whatsapp(client, wa_text("halo", wamid="wamid.down"))
    finally:
        app.state.inbox_writer = working
        await dead.dispose()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


@pytest.mark.parametrize(
    "field", ["wamid", "wa_id", "phone_number_id"], ids=["message", "customer", "number"]
)
async def test_an_id_longer_than_any_platform_sends_is_400_not_a_database_error(
    client: httpx.AsyncClient, field: str
) -> None:
    long_id = "9" * 400
    if field == "phone_number_id":
        body = wa_text("halo", wamid="wamid.long", phone_number_id=long_id)
    elif field == "wa_id":
        body = wa_text("halo", wamid="wamid.long", wa_id=long_id)
    else:
        body = wa_text("halo", wamid=long_id)
    response = await post_whatsapp(client, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_payload"
    # Nothing half-stored: the same message with sane ids is still new.
    fine = await post_whatsapp(client, wa_text("halo", wamid="wamid.long"))
    assert fine.json()["messages"] == 1
