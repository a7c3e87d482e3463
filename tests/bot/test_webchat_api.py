"""Web chat API: validation, tokens, and nothing stored half way on bad input."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Conversation, Message
from tests.bot.conftest import NewChat, count


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"text": ""}, "validation_error"),
        ({"text": "   "}, "validation_error"),
        ({}, "validation_error"),
        ({"text": "halo", "action": "escalate"}, "validation_error"),
        ({"text": "x" * 5000}, "text_too_long"),
        ({"action": "launch_rockets"}, "unknown_action"),
    ],
)
async def test_bad_messages_are_422_and_store_nothing(
    new_chat: NewChat, session: AsyncSession, body: dict[str, str], code: str
) -> None:
    chat = await new_chat()
    response = await chat.client.post("/api/v1/webchat/messages", json=body, headers=chat.headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert await count(session, Message) == 0
    assert await count(session, Conversation) == 0


async def test_action_for_missing_article_is_404(new_chat: NewChat, session: AsyncSession) -> None:
    chat = await new_chat()
    response = await chat.client.post(
        "/api/v1/webchat/messages", json={"action": "article:no-such-thing"}, headers=chat.headers
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "article_not_found"
    assert await count(session, Message) == 0


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wct_not-a-real-token"}])
async def test_missing_or_wrong_token_is_401(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.post("/api/v1/webchat/messages", json={"text": "halo"}, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_malformed_json_is_422(new_chat: NewChat) -> None:
    chat = await new_chat()
    response = await chat.client.post(
        "/api/v1/webchat/messages",
        content=b"{not json",
        headers={**chat.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_client_message_id_makes_retries_idempotent(
    new_chat: NewChat, session: AsyncSession
) -> None:
    chat = await new_chat()
    body = {"text": "halo", "client_message_id": "m-1"}
    first = await chat.client.post("/api/v1/webchat/messages", json=body, headers=chat.headers)
    again = await chat.client.post("/api/v1/webchat/messages", json=body, headers=chat.headers)
    assert first.status_code == again.status_code == 200
    assert len(first.json()["replies"]) == 1
    assert again.json()["replies"] == []
    assert await count(session, Message) == 2  # one inbound, one reply


async def test_a_token_sees_only_its_own_messages(new_chat: NewChat) -> None:
    alice, bob = await new_chat(), await new_chat()
    await alice.send("tolong hubungkan saya dengan admin")
    await bob.send("halo")
    assert (await bob.poll())["messages"] == []


async def test_chat_page_is_the_widget_full_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/chat")
    assert response.status_code == 200
    assert '<script src="/widget.js" data-mode="page"' in response.text
    script = await client.get("/widget.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "/api/v1/webchat" in script.text
    assert 'attachShadow({ mode: "open" })' in script.text
