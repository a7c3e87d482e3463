"""Surveys after an agent and after the bot, as customers answer them: one question at a
time, NPS at most once per customer per interval, an unrelated reply handled as a new
message, and a survey answer never a handoff or a knowledge gap."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.auth import Principal
from app.bot.types import InboundMessage, InboundResult
from app.config import Settings
from app.conversations.models import Conversation, Message
from app.db import utcnow
from app.escalation.actions import resolve_handoff
from app.escalation.models import Handoff
from app.surveys.models import SurveyResponse
from app.types import Channel
from tests.bot.test_conversations import REFUND_QUESTION
from tests.conftest import make_settings


class Customer:
    """A customer whose messages go through the engine as the channel adapters send them."""

    def __init__(self, app: FastAPI, channel: Channel = Channel.webchat) -> None:
        self.app, self.channel = app, channel
        self.now = utcnow()
        self.sent = 0

    async def say(self, text: str | None = None, *, action: str | None = None) -> InboundResult:
        self.sent += 1
        self.now += timedelta(seconds=20)
        inbound = InboundMessage(
            channel=self.channel,
            external_id="survey-customer",
            text=text,
            action=action,
            platform_message_id=f"m{self.sent}",
            account_id=None if self.channel == Channel.webchat else "number-1",
        )
        async with self.app.state.sessionmaker() as session:
            result: InboundResult = await self.app.state.bot.handle(session, inbound, now=self.now)
            await session.commit()
        return result

    async def resolved_by_agent(self) -> list[Any]:
        """Asks for a person; an agent resolves; the buttons of the first survey question."""
        await self.say("saya mau bicara dengan customer service")
        async with self.app.state.sessionmaker() as session:
            handoff_id = await session.scalar(select(Handoff.id).order_by(Handoff.id.desc()))
            assert handoff_id is not None
            self.now += timedelta(minutes=5)
            await resolve_handoff(
                session, handoff_id=handoff_id, principal=Principal(kind="admin"), now=self.now
            )
            await session.commit()
            prompt = await session.scalar(select(Message).order_by(Message.id.desc()).limit(1))
        assert prompt is not None
        return [b["id"] for b in prompt.buttons or []]


def _ids(result: InboundResult) -> list[list[str]]:
    return [[b.id for b in reply.buttons] for reply in result.replies]


async def _answers(app: FastAPI) -> list[tuple[str, str, int | None]]:
    async with app.state.sessionmaker() as session:
        rows = await session.execute(
            select(SurveyResponse.kind, SurveyResponse.source, SurveyResponse.score).order_by(
                SurveyResponse.id
            )
        )
        return [tuple(row) for row in rows]


async def _count(app: FastAPI, model: type[Handoff] | type[Conversation]) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


NPS_IDS = [f"nps:{n}" for n in range(10, -1, -1)]
CES_IDS = [f"ces:{n}" for n in range(7, 0, -1)]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, survey_after_agent="csat,nps,ces", nps_interval_days=90)


async def test_csat_then_nps_then_ces_one_at_a_time(app: FastAPI, kb_loaded: None) -> None:
    customer = Customer(app)
    assert await customer.resolved_by_agent() == [f"csat:{n}" for n in range(5, 0, -1)]
    after_csat = await customer.say("5")
    assert _ids(after_csat) == [[], NPS_IDS]
    after_nps = await customer.say("9/10")
    assert _ids(after_nps) == [[], CES_IDS]
    done = await customer.say("sangat mudah")
    assert _ids(done) == [[]]
    assert "Terima kasih" in done.replies[0].text
    assert await _answers(app) == [("nps", "agent", 9), ("ces", "agent", 7)]
    assert await _count(app, Handoff) == 1
    assert await _count(app, Conversation) == 1  # no answer opened a new one
    async with app.state.sessionmaker() as session:
        understood = (
            await session.scalars(
                select(Message.understood_as)
                .where(Message.direction == "in")
                .order_by(Message.id.desc())
                .limit(2)
            )
        ).all()
    assert understood == ["survey", "survey"]  # never a miss, never a gap

    # A month later, a second resolution: NPS was asked within 90 days, so CES follows CSAT.
    customer.now += timedelta(days=30)
    await customer.resolved_by_agent()
    assert _ids(await customer.say(action="csat:4")) == [[], CES_IDS]
    assert _ids(await customer.say(action="ces:6")) == [[]]
    assert [a for a in await _answers(app) if a[0] == "nps"] == [("nps", "agent", 9)]


async def test_an_unrelated_reply_is_a_new_message(app: FastAPI, kb_loaded: None) -> None:
    customer = Customer(app)
    await customer.resolved_by_agent()
    await customer.say("4")  # the NPS question follows
    result = await customer.say(REFUND_QUESTION)
    assert result.replies[0].article == "refund-dana"  # answered as a new request
    assert await _count(app, Conversation) == 2
    assert await _answers(app) == [("nps", "agent", None)]
    # The survey ended: a "9" now is no late NPS answer.
    await customer.say("9")
    assert await _answers(app) == [("nps", "agent", None)]


async def test_thanks_leaves_the_question_open(app: FastAPI, kb_loaded: None) -> None:
    customer = Customer(app)
    await customer.resolved_by_agent()
    await customer.say("5")
    await customer.say("makasih kak")
    await customer.say("🔟")
    assert (await _answers(app))[0] == ("nps", "agent", 10)


@pytest.mark.parametrize("channel", [Channel.whatsapp, Channel.messenger])
async def test_buttons_pressed_on_platforms(
    app: FastAPI, kb_loaded: None, channel: Channel
) -> None:
    customer = Customer(app, channel)
    await customer.resolved_by_agent()
    await customer.say(action="csat:5")
    await customer.say(action="nps:0")
    await customer.say(action="ces:1")
    assert await _answers(app) == [("nps", "agent", 0), ("ces", "agent", 1)]


async def test_ces_after_a_confirmed_deflection(database_url: str) -> None:
    from app.main import create_app
    from tests.bot.kb_fixture import load_test_kb
    from tests.conftest import ADMIN_TOKEN

    app = create_app(make_settings(database_url, survey_after_bot="ces"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await load_test_kb(client, {"Authorization": f"Bearer {ADMIN_TOKEN}"})
            session = await client.post("/api/v1/webchat/sessions", json={})
            headers = {"Authorization": f"Bearer {session.json()['token']}"}

            async def send(body: dict[str, str]) -> dict[str, Any]:
                response = await client.post("/api/v1/webchat/messages", json=body, headers=headers)
                assert response.status_code == 200, response.text
                data: dict[str, Any] = response.json()
                return data

            await send({"text": REFUND_QUESTION})
            confirmed = await send({"action": "helpful_yes"})
            assert [b["id"] for b in confirmed["replies"][-1]["buttons"]] == CES_IDS
            bad = await client.post(
                "/api/v1/webchat/messages", json={"action": "ces:9"}, headers=headers
            )
            assert bad.status_code == 422
            answered = await send({"action": "ces:6"})
            assert answered["conversation"]["status"] == "closed"
        assert await _answers(app) == [("ces", "bot", 6)]
        assert await _count(app, Handoff) == 0


async def test_no_survey_after_agents_when_set_to_none(database_url: str) -> None:
    from app.main import create_app
    from tests.bot.kb_fixture import load_test_kb

    app = create_app(make_settings(database_url, survey_after_agent="none"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            from tests.conftest import ADMIN_TOKEN

            await load_test_kb(client, {"Authorization": f"Bearer {ADMIN_TOKEN}"})
        customer = Customer(app)
        assert await customer.resolved_by_agent() == []  # the last message is no question
        async with app.state.sessionmaker() as session:
            conversation = await session.scalar(select(Conversation))
            assert conversation is not None
            assert (conversation.awaiting_csat, conversation.survey_pending) == (False, None)
