from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.sweeper import sweep_idle_conversations
from app.conversations.models import Conversation, Message, Outcome
from app.db import utcnow
from tests.bot.kb_fixture import load_test_kb


class Chat:
    """A web chat visitor driving the public API."""

    def __init__(self, client: httpx.AsyncClient, token: str, session_id: str) -> None:
        self.client = client
        self.token = token
        self.session_id = session_id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def send(self, text: str | None = None, *, action: str | None = None) -> dict[str, Any]:
        body = {"text": text} if action is None else {"action": action}
        response = await self.client.post(
            "/api/v1/webchat/messages", json=body, headers=self.headers
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    async def poll(self, after: str = "") -> dict[str, Any]:
        response = await self.client.get(
            "/api/v1/webchat/messages", params={"after": after}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data


NewChat = Callable[..., Awaitable[Chat]]


@pytest.fixture
async def kb_loaded(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    await load_test_kb(client, admin_headers)


@pytest.fixture
def new_chat(client: httpx.AsyncClient, kb_loaded: None) -> NewChat:
    async def make(name: str | None = None) -> Chat:
        response = await client.post("/api/v1/webchat/sessions", json={"name": name})
        assert response.status_code == 201, response.text
        data = response.json()
        return Chat(client, data["token"], data["session_id"])

    return make


async def outcomes(session: AsyncSession) -> list[tuple[str, str | None]]:
    session.expire_all()
    rows = await session.execute(
        select(Outcome.outcome, Outcome.reason).order_by(Outcome.conversation_id)
    )
    return [(o, r) for o, r in rows.tuples()]


async def count(session: AsyncSession, model: type[Message] | type[Conversation]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def time_passes(app: FastAPI, *, hours: float = 2) -> int:
    return await sweep_idle_conversations(
        app.state.sessionmaker,
        now=utcnow() + timedelta(hours=hours),
        timeout_seconds=app.state.settings.session_timeout_seconds,
    )
