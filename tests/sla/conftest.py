"""SLA tests: a fixed calendar (lunch break, Saturday morning, a holiday), a local event
receiver, and helpers that drive a handoff at chosen moments (controlled clocks)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import Principal
from app.config import Settings
from app.escalation.actions import claim_handoff, post_agent_reply, resolve_handoff
from app.escalation.models import Handoff
from app.sla.job import check_service_levels
from app.sla.service import customer_wrote
from app.types import Channel
from tests.conftest import make_settings
from tests.factories import make_agent, make_conversation, make_handoff
from tests.fakes.receiver import EventReceiver

JKT = ZoneInfo("Asia/Jakarta")
HOURS = "Mon-Fri 08:00-12:00,13:00-17:00; Sat 09:00-13:00"
ADMIN = Principal(kind="admin")


def jkt(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment in December 2026, Jakarta time (the 7th is a Monday)."""
    return datetime(2026, 12, day, hour, minute, second, tzinfo=JKT)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(
        database_url,
        business_hours=HOURS,
        holidays="2026-12-25",
        events_allow_private_urls=True,
        outbox_backoff_base_seconds=1,
        outbox_max_attempts=3,
    )


@pytest.fixture
async def receiver() -> AsyncIterator[EventReceiver]:
    async with EventReceiver() as fake:
        yield fake


async def add_policy(
    client: httpx.AsyncClient, admin_headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    body = {"name": "Standar", "first_response_s": 900, "business_hours": True, **fields}
    response = await client.post("/api/v1/sla-policies", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


class Desk:
    """One handoff, moved at chosen moments the way the API and the engine move it."""

    def __init__(self, app: FastAPI, handoff_id: int) -> None:
        self.maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
        self.handoff_id = handoff_id
        self.principal = ADMIN

    @classmethod
    async def open(cls, app: FastAPI, at: datetime, *, channel: Channel = Channel.webchat) -> Desk:
        async with app.state.sessionmaker() as session, session.begin():
            conversation = await make_conversation(session, channel=channel, created_at=at)
            handoff = await make_handoff(session, conversation=conversation, now=at)
            desk = cls(app, handoff.id)
            agent, _token = await make_agent(session, name="Rina")
            desk.principal = Principal(kind="agent", agent_id=agent.id, agent_name="Rina")
        return desk

    async def claim(self, at: datetime) -> None:
        async with self.maker() as session, session.begin():
            await claim_handoff(
                session,
                handoff_id=self.handoff_id,
                principal=self.principal,
                now=at,
                lease_seconds=600,
            )

    async def reply(self, at: datetime) -> None:
        async with self.maker() as session, session.begin():
            await post_agent_reply(
                session, handoff_id=self.handoff_id, principal=self.principal, text="ok", now=at
            )

    async def customer(self, at: datetime) -> None:
        async with self.maker() as session, session.begin():
            handoff = await session.get_one(Handoff, self.handoff_id)
            await customer_wrote(session, handoff, now=at)

    async def resolve(self, at: datetime) -> None:
        async with self.maker() as session, session.begin():
            await resolve_handoff(
                session, handoff_id=self.handoff_id, principal=self.principal, now=at
            )

    async def check(self, at: datetime) -> int:
        return await check_service_levels(self.maker, now=at)
