"""The rating after an agent resolved, on every channel, as customers really answer it.

Each customer asks for a person, an agent resolves, and the rating question goes out with
csat:1 .. csat:5 buttons rendered for the channel. The sequences that broke before: "5 kak
mantap" was lost, and "great thanks!" then "4" counted as two misses and a new handoff.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.bot.types import InboundMessage, InboundResult
from app.conversations.models import Conversation, Message
from app.db import utcnow
from app.escalation.actions import resolve_handoff
from app.escalation.models import Handoff
from app.outbox.models import OutboxItem
from app.types import Channel, Sender
from tests.bot.conftest import outcomes
from tests.bot.test_conversations import REFUND_QUESTION

CHANNELS = [Channel.webchat, Channel.whatsapp, Channel.messenger]
CSAT_IDS = ["csat:5", "csat:4", "csat:3", "csat:2", "csat:1"]


class Customer:
    """One customer on one channel, talking to the app's engine as the channel adapters do."""

    def __init__(self, app: FastAPI, channel: Channel) -> None:
        self.app = app
        self.channel = channel
        self.external_id = {"webchat": "wc_rating", "whatsapp": "6281234", "messenger": "psid-7"}[
            channel.value
        ]
        self.now = utcnow()
        self.sent = 0

    async def say(self, text: str | None = None, *, action: str | None = None) -> InboundResult:
        self.sent += 1
        self.now += timedelta(seconds=20)
        inbound = InboundMessage(
            channel=self.channel,
            external_id=self.external_id,
            text=text,
            action=action,
            platform_message_id=f"{self.channel.value}-m{self.sent}",
            account_id=None if self.channel == Channel.webchat else "page-or-number-1",
        )
        async with self.app.state.sessionmaker() as session:
            result: InboundResult = await self.app.state.bot.handle(session, inbound, now=self.now)
            await session.commit()
        return result

    async def resolved_by_agent(self) -> None:
        await self.say("saya mau bicara dengan customer service")
        async with self.app.state.sessionmaker() as session:
            handoff_id = await session.scalar(select(Handoff.id))
            assert handoff_id is not None
            self.now += timedelta(minutes=5)
            await resolve_handoff(
                session, handoff_id=handoff_id, principal=Principal(kind="admin"), now=self.now
            )
            await session.commit()


@pytest.fixture(params=CHANNELS, ids=lambda c: c.value)
def customer(app: FastAPI, kb_loaded: None, request: pytest.FixtureRequest) -> Customer:
    return Customer(app, request.param)


async def _handoff(session: AsyncSession) -> Handoff:
    session.expire_all()
    handoffs = (await session.scalars(select(Handoff))).all()
    assert len(handoffs) == 1, "a rating must never open another handoff"
    return handoffs[0]


async def _count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _understood(session: AsyncSession) -> list[str | None]:
    rows = await session.scalars(
        select(Message.understood_as).where(Message.sender == Sender.customer).order_by(Message.id)
    )
    return list(rows)


def _replies(result: InboundResult) -> str:
    return " ".join(r.text for r in result.replies)


async def test_the_question_carries_rating_buttons_on_every_channel(
    customer: Customer, session: AsyncSession
) -> None:
    await customer.resolved_by_agent()
    prompt = await session.scalar(select(Message).where(Message.sender == Sender.system))
    assert prompt is not None
    assert [b["id"] for b in prompt.buttons or []] == CSAT_IDS
    payloads = [
        item.payload
        for item in await session.scalars(
            select(OutboxItem).where(OutboxItem.message_id == prompt.id).order_by(OutboxItem.id)
        )
    ]
    if customer.channel == Channel.whatsapp:
        # Five answers: more than WhatsApp's three reply buttons, so a list message.
        (interactive,) = [p["interactive"] for p in payloads if p["type"] == "interactive"]
        assert interactive["type"] == "list"
        rows = interactive["action"]["sections"][0]["rows"]
        assert [r["id"] for r in rows] == CSAT_IDS
        assert all(len(r["title"]) <= 24 for r in rows)
    elif customer.channel == Channel.messenger:
        quick = payloads[-1]["message"]["quick_replies"]
        assert [q["payload"] for q in quick] == CSAT_IDS
        assert all(len(q["title"]) <= 20 for q in quick)
    else:
        assert payloads == []  # the web chat reads it from the API


async def test_five_kak_mantap_is_a_five_with_its_comment(
    customer: Customer, session: AsyncSession
) -> None:
    await customer.resolved_by_agent()
    result = await customer.say("5 kak mantap")
    assert "Terima kasih" in _replies(result)
    handoff = await _handoff(session)
    assert (handoff.csat_score, handoff.csat_comment) == (5, "kak mantap")
    assert await _count(session, Conversation) == 1
    assert await outcomes(session) == [("escalated", "customer_request")]


async def test_great_thanks_then_four_is_a_rating_not_two_misses(
    customer: Customer,
    session: AsyncSession,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
) -> None:
    await customer.resolved_by_agent()
    thanks = await customer.say("great thanks!")
    four = await customer.say("4")

    assert "Sama-sama" in _replies(thanks)  # answered, and the question is not asked again
    assert "penilaian" in _replies(four)
    handoff = await _handoff(session)
    assert (handoff.csat_score, handoff.csat_comment) == (4, None)
    assert await _count(session, Conversation) == 1
    assert await _understood(session) == ["human_request", "thanks", "csat"]
    assert await outcomes(session) == [("escalated", "customer_request")]
    await session.commit()  # on SQLite an open transaction holds the write lock
    # The customer's clock runs ahead of the real one: a period around it.
    period = {
        "from": (customer.now - timedelta(days=1)).isoformat(),
        "to": (customer.now + timedelta(days=1)).isoformat(),
    }
    gaps = await client.get("/api/v1/stats/gaps", params=period, headers=admin_headers)
    assert gaps.json()["items"] == []
    stats = await client.get("/api/v1/stats/self-service", params=period, headers=admin_headers)
    stats = stats.json()
    assert (stats["total"], stats["escalated"], stats["unresolved"]) == (1, 1, 0)


async def test_a_pressed_rating_and_the_comment_after_it(
    customer: Customer, session: AsyncSession
) -> None:
    await customer.resolved_by_agent()
    # WhatsApp and Messenger send the row / quick reply title along with its id.
    title = None if customer.channel == Channel.webchat else "3 - Biasa saja"
    await customer.say(title, action="csat:3")
    comment = await customer.say("agentnya ramah tapi nunggunya lama")
    assert "masukan" in _replies(comment)
    handoff = await _handoff(session)
    assert (handoff.csat_score, handoff.csat_comment) == (3, "agentnya ramah tapi nunggunya lama")
    assert await _understood(session) == ["human_request", "csat", "csat_comment"]
    assert await _count(session, Conversation) == 1


async def test_a_new_question_instead_of_a_rating_is_a_new_request(
    customer: Customer, session: AsyncSession
) -> None:
    await customer.resolved_by_agent()
    answer = await customer.say(REFUND_QUESTION)
    assert answer.replies[0].article == "refund-dana"
    later = await customer.say("5")  # the question was asked once and is no longer open
    assert "penilaian" not in _replies(later)
    handoff = await _handoff(session)
    assert handoff.csat_score is None
    assert await _count(session, Conversation) == 2
    prompts = await session.scalar(
        select(func.count()).select_from(Message).where(Message.sender == Sender.system)
    )
    assert prompts == 1


async def test_a_question_right_after_the_rating_is_not_its_comment(
    customer: Customer, session: AsyncSession
) -> None:
    await customer.resolved_by_agent()
    await customer.say("bintang 4")
    answer = await customer.say(REFUND_QUESTION)
    assert answer.replies[0].article == "refund-dana"
    handoff = await _handoff(session)
    assert (handoff.csat_score, handoff.csat_comment) == (4, None)
    assert await _count(session, Conversation) == 2
