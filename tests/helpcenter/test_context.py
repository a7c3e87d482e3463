"""From reading to talking: a web chat opened from the help center carries the articles
read and the last search into the agent's transcript; the bot links help-center pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests.conftest import make_settings
from tests.factories import bearer

pytestmark = pytest.mark.usefixtures("kb")
CONTEXT = {"articles": ["lupa-kata-sandi", "tidak-ada-lagi"], "search": "gk bs login"}


async def _handoff(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, Any]:
    queue = (await client.get("/api/v1/handoffs", headers=admin)).json()["items"]
    assert len(queue) == 1
    r = await client.get(f"/api/v1/handoffs/{queue[0]['id']}", headers=admin)
    return dict(r.json())


@pytest.mark.parametrize("where", ["session", "message"])
async def test_escalating_from_the_help_center_shows_the_context_to_the_agent(
    client: httpx.AsyncClient, admin_headers: dict[str, str], where: str
) -> None:
    created = await client.post(
        "/api/v1/webchat/sessions", json={"context": CONTEXT} if where == "session" else {}
    )
    assert created.status_code == 201, created.text
    token = bearer(created.json()["token"])
    body: dict[str, Any] = {"action": "escalate"}
    if where == "message":
        body["context"] = CONTEXT
    sent = await client.post("/api/v1/webchat/messages", json=body, headers=token)
    assert sent.status_code == 200, sent.text
    assert sent.json()["conversation"]["status"] == "handoff"
    handoff = await _handoff(client, admin_headers)
    items = handoff["transcript"]
    context = [i for i in items if i["kind"] == "context"]
    assert len(context) == 1
    assert items[0] == context[0]  # read before the customer's first message
    assert context[0]["sender"] == "system"
    assert "Saya lupa kata sandi" in context[0]["text"]
    assert "gk bs login" in context[0]["text"]
    assert context[0]["buttons"] == [
        {"id": "article:lupa-kata-sandi", "title": "Saya lupa kata sandi"}
    ]
    # The visitor's own chat does not show it back.
    polled = await client.get("/api/v1/webchat/messages", params={"history": "true"}, headers=token)
    assert all("pusat bantuan" not in (m["text"] or "") for m in polled.json()["messages"])


async def test_a_bad_context_is_422(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/webchat/sessions", json={"context": {"articles": ["../x"]}})
    assert r.status_code == 422
    r = await client.post("/api/v1/webchat/sessions", json={"context": {"read": []}})
    assert r.status_code == 422


async def test_the_bot_links_the_help_center_page_when_an_article_has_no_url(
    settings: Settings, client: httpx.AsyncClient
) -> None:
    app = create_app(
        make_settings(settings.database_url, public_url="https://bantuan.toko.example")
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            token = bearer((await c.post("/api/v1/webchat/sessions", json={})).json()["token"])
            refund = await c.post(
                "/api/v1/webchat/messages", json={"text": "refund kapan masuk"}, headers=token
            )
            shipping = await c.post(
                "/api/v1/webchat/messages", json={"text": "biaya pengiriman"}, headers=token
            )
    [answer] = refund.json()["replies"]
    assert answer["article"] == "pengembalian-dana"
    assert "https://bantuan.toko.example/help/a/pengembalian-dana" in answer["text"]
    # An article with its own url keeps it.
    assert "https://toko.example/ongkir" in shipping.json()["replies"][0]["text"]
