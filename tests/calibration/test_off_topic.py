"""Questions the KB does not cover, learned from handoffs resolved without an article: a
message closer to one of them than to the article it would be answered with gets
suggestions instead (app.kb.offtopic, app.calibration.off_topic)."""

from __future__ import annotations

import asyncio

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.calibration.job import refresh_calibration
from app.calibration.loo import Probe
from app.calibration.off_topic import OffTopicQuestions
from app.calibration.threshold import choose_encoder
from app.config import Settings
from app.conversations.models import Contact, Conversation
from app.escalation.models import Handoff
from app.kb.offtopic import OffTopic, declines
from app.kb.service import KnowledgeBase
from tests.conftest import make_settings
from tests.factories import bearer, make_agent
from tests.kb.test_semantic import needs_encoder
from tests.learning.kb import load_kb
from tests.learning.test_learning import Customer

OFF_TOPIC = "Berapa ongkos kirim ke luar negeri?"  # the shop ships within the country only
ALIKE = "ongkir ke luar negeri berapa ya"
COVERED = "Biaya kirim ke Sulawesi berapa?"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, kb_semantic=True)


def test_declines_only_when_every_encoder_finds_the_off_topic_question_closer() -> None:
    assert declines([0.9], [0.8])
    assert not declines([0.8], [0.9])
    assert not declines([0.9, 0.7], [0.8, 0.8])
    assert not declines([], [])
    known = OffTopic(("e",), (np.array([[1.0, 0.0], [0.0, 1.0]]),), 2)
    [closest] = known.closest([np.array([[0.6, 0.8], [1.0, 0.0]])])
    assert closest.tolist() == [0.8, 1.0]


def test_a_declined_probe_is_not_an_answer_in_the_calibration() -> None:
    right = [Probe(0, "q", [], [(0, 0.9)])] * 60
    off_topic = [Probe(-1, "x", [], [(0, 0.95)], declined=False)] * 10
    learned = [Probe(-1, "x", [], [(0, 0.95)], declined=True)] * 10
    raised = choose_encoder(right, 0.02, 0.0, 0.75, 0.8, customers=right + off_topic)
    kept = choose_encoder(right, 0.02, 0.0, 0.75, 0.8, customers=right + learned)
    assert raised.threshold > kept.threshold
    assert kept.expected_wrong == 0.0


async def _ask(client: httpx.AsyncClient, text: str) -> tuple[Customer, dict[str, object]]:
    customer = await Customer(client).start()
    return customer, await customer.send(text=text)


def _decision(out: dict[str, object]) -> str:
    replies = out["replies"]
    assert isinstance(replies, list)
    if any(r.get("article") for r in replies):
        return "answer"
    buttons = [b["id"] for r in replies for b in r["buttons"]]
    return "suggest" if any(b.startswith("article:") for b in buttons) else "none"


@needs_encoder
async def test_a_handoff_resolved_without_an_article_teaches_what_is_not_covered(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    session: AsyncSession,
) -> None:
    await load_kb(client, admin_headers)
    kb: KnowledgeBase = app.state.kb
    assert await kb.wait_semantic()
    customer, out = await _ask(client, OFF_TOPIC)
    assert _decision(out) == "answer"  # wrongly: the shipping article is about islands
    await customer.send(action="helpful_no")
    await customer.send(action="escalate")
    _, token = await make_agent(session, name="Ani")
    await session.commit()
    agent = bearer(token)
    handoff_id = await session.scalar(select(Handoff.id).order_by(Handoff.id.desc()).limit(1))
    await session.commit()  # SQLite: no open transaction while the app writes
    for step in ("claim", "resolve"):  # resolved without an article: none answers it
        response = await client.post(f"/api/v1/handoffs/{handoff_id}/{step}", headers=agent)
        assert response.status_code == 200, response.text

    questions = OffTopicQuestions()
    await refresh_calibration(app.state.sessionmaker, kb, questions)
    assert kb.off_topic is not None
    assert kb.off_topic.count == 1
    learned = kb.off_topic
    await refresh_calibration(app.state.sessionmaker, kb, questions)
    assert kb.off_topic is learned  # nothing new: not read or embedded again

    assert _decision((await _ask(client, ALIKE))[1]) == "suggest"
    assert _decision((await _ask(client, COVERED))[1]) == "answer"

    # Erased, the customer's question leaves the process's memory at the next re-read.
    hourly = OffTopicQuestions(reread_seconds=0.05)
    await refresh_calibration(app.state.sessionmaker, kb, hourly)
    assert kb.off_topic is not None
    external_id = await session.scalar(
        select(Contact.external_id)
        .join(Conversation, Conversation.contact_id == Contact.id)
        .join(Handoff, Handoff.conversation_id == Conversation.id)
        .where(Handoff.id == handoff_id)
    )
    await session.commit()
    erased = await client.post(
        "/api/v1/contacts/erase",
        json={"channel": "webchat", "external_id": external_id},
        headers=admin_headers,
    )
    assert erased.status_code == 200, erased.text
    await asyncio.sleep(0.06)
    await refresh_calibration(app.state.sessionmaker, kb, hourly)
    assert kb.off_topic is None


@needs_encoder
async def test_a_question_worded_as_a_phrasing_of_the_kb_is_not_off_topic(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    session: AsyncSession,
) -> None:
    await load_kb(client, admin_headers)
    kb: KnowledgeBase = app.state.kb
    assert await kb.wait_semantic()
    customer = await Customer(client).start()
    await customer.send(text="Bagaimana melacak paket saya?")  # an article's own question
    await customer.send(action="escalate")
    _, token = await make_agent(session, name="Ani")
    await session.commit()
    agent = bearer(token)
    handoff_id = await session.scalar(select(Handoff.id).order_by(Handoff.id.desc()).limit(1))
    await session.commit()
    for step in ("claim", "resolve"):
        assert (
            await client.post(f"/api/v1/handoffs/{handoff_id}/{step}", headers=agent)
        ).status_code == 200
    await refresh_calibration(app.state.sessionmaker, kb, OffTopicQuestions())
    assert kb.off_topic is None
