"""At INFO level the logs carry neither secrets nor what customers and agents wrote.

Drives a web chat conversation into a handoff and an agent reply, signed WhatsApp and Messenger
webhooks, and the outbox delivering replies to a (fake, real HTTP) Graph API with the access
tokens, then searches every formatted JSON log line for the secrets and the message bodies.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.logging import JsonFormatter
from app.main import create_app
from app.outbox.worker import deliver_due
from tests.conftest import ADMIN_TOKEN
from tests.factories import bearer
from tests.fakes.graph_api import FakeGraphApi, status
from tests.security.conftest import MS_ACCESS, MS_SECRET, MS_VERIFY, WA_ACCESS, WA_SECRET, WA_VERIFY
from tests.security.world import ADMIN, make_world, messenger_text, sign, whatsapp_text


class Lines(logging.Handler):
    """Every record formatted the way production writes it (JSON with the extra fields)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        # The test's own client logs its requests through httpx; those are not the service's.
        if not (record.name.startswith("httpx") and "http://testserver" in line):
            self.lines.append(line)


@pytest.fixture
def log_lines() -> Iterator[Lines]:
    handler = Lines()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_no_secret_and_no_message_body_reaches_the_logs(
    settings: Settings, session: AsyncSession, log_lines: Lines
) -> None:
    async with FakeGraphApi() as graph:
        app = create_app(settings.model_copy(update={"graph_api_base": graph.base_url}))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                said = await converse(app, c, session, graph)

    secrets = [ADMIN_TOKEN, WA_SECRET, WA_ACCESS, WA_VERIFY, MS_SECRET, MS_ACCESS, MS_VERIFY]
    secrets += said.pop("tokens")
    # Not vacuous: the request lines and the Graph API calls were captured.
    logged = "\n".join(log_lines.lines)
    for expected in (
        '"path": "/api/v1/webchat/messages"',
        '"path": "/webhooks/messenger"',
        "/me/messages",
    ):
        assert expected in logged
    for line in log_lines.lines:
        for secret in secrets:
            assert secret not in line, f"a secret is logged: {line}"
        for text in said["texts"]:
            assert text not in line, f"a message body is logged: {line}"


async def converse(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph: FakeGraphApi
) -> dict[str, list[str]]:
    world = await make_world(client, session)
    texts = {
        "customer": "Kartu saya 4111 rahasia-pelanggan-91 tertahan",
        "agent": "Sudah kami buka blokirnya, kode rahasia-agen-37",
        "whatsapp": "Pesanan rahasia-wa-55 belum sampai",
        "messenger": "Akun rahasia-ms-73 terkunci",
    }
    chat_token = await world.webchat_token()
    chat = bearer(chat_token)
    for body in ({"text": texts["customer"]}, {"action": "escalate"}):
        sent = await client.post("/api/v1/webchat/messages", json=body, headers=chat)
        assert sent.status_code == 200, sent.text
    [item] = (await client.get("/api/v1/handoffs", headers=world.agent)).json()["items"]
    claimed = await client.post(f"/api/v1/handoffs/{item['id']}/claim", headers=world.agent)
    assert claimed.status_code == 200
    reply = await client.post(
        f"/api/v1/handoffs/{item['id']}/messages",
        json={"text": texts["agent"]},
        headers=world.agent,
    )
    assert reply.status_code == 202, reply.text
    polled = await client.get("/api/v1/webchat/messages", headers=chat)
    assert texts["agent"] in polled.text
    found = await client.get(
        "/api/v1/kb/search", params={"q": texts["customer"]}, headers=world.agent
    )
    assert found.status_code == 200

    handshake = {"hub.mode": "subscribe", "hub.verify_token": WA_VERIFY, "hub.challenge": "7"}
    assert (await client.get("/webhooks/whatsapp", params=handshake)).text == "7"
    for path, secret, raw in (
        ("/webhooks/whatsapp", WA_SECRET, whatsapp_text(texts["whatsapp"])),
        ("/webhooks/messenger", MS_SECRET, messenger_text(texts["messenger"])),
    ):
        signed = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(secret, raw)}
        assert (await client.post(path, content=raw, headers=signed)).status_code == 200
    bad = {"X-Hub-Signature-256": sign("wrong", b"{}")}
    assert (await client.post("/webhooks/whatsapp", content=b"{}", headers=bad)).status_code == 403
    assert (await client.get("/api/v1/agents", headers=ADMIN)).status_code == 200
    assert await app.state.inbox.run() == 2  # the webhooks' messages, answered

    # One failed attempt (its error goes to the log), then the replies go out.
    graph.script(status(500))
    settings: Settings = app.state.settings
    for later in (0, 3600):
        now = utcnow() + timedelta(seconds=later)
        await deliver_due(app.state.sessionmaker, app.state.graph_client, settings, now=now)
    delivered = graph.delivered
    assert {r.authorization for r in delivered} == {f"Bearer {WA_ACCESS}", f"Bearer {MS_ACCESS}"}
    return {"texts": list(texts.values()), "tokens": [chat_token, world.agent_token]}
