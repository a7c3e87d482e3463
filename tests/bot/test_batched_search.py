"""An inbox batch's questions share the encoder: the engine begins their searches when the
batch arrives, so the encoder gets them in one call, and each message is decided as it is
alone (SQLite and PostgreSQL). Buttons and re-deliveries ask it nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.bot.engine import ConversationEngine
from app.bot.types import InboundMessage
from app.config import Settings
from app.conversations.models import Message
from app.db import utcnow
from app.kb.semantic import Vectors
from app.kb.service import KnowledgeBase
from app.types import Channel
from tests.bot.kb_fixture import load_test_kb
from tests.kb.test_vectors import Hashing

# Written for this test: paraphrases the words alone are unsure of, and one they are sure of.
QUESTIONS = [
    "I can't get into my profile anymore",
    "gimana caranya duit balik",
    "my package has not come yet, it has been a week",
    "Lupa password akun",
]


class Sizes(Hashing):
    """The stand-in encoder, recording the size of each call."""

    def __init__(self) -> None:
        super().__init__("hashing-engine", "use")
        self.sizes: list[int] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.sizes.append(len(texts))
        return super().encode(texts)


def _batch(now: datetime) -> list[tuple[InboundMessage, datetime]]:
    questions = [
        InboundMessage(Channel.whatsapp, f"6281100{n}", text=q, platform_message_id=f"wamid.q{n}")
        for n, q in enumerate(QUESTIONS)
    ]
    # A button press carries its title as text; it is not a question, whatever it says.
    button = InboundMessage(
        Channel.whatsapp,
        "62811009",
        text=QUESTIONS[0],
        action="helpful_yes",
        platform_message_id="b",
    )
    return [(inbound, now) for inbound in [*questions, button]]


async def _decide(
    app: FastAPI, engine: ConversationEngine, batch: list[tuple[InboundMessage, datetime]]
) -> None:
    """What the inbox processor does with a claimed batch."""
    async with app.state.sessionmaker() as session, session.begin():
        arrivals = await engine.arrive(session, batch)
        for (inbound, now), arrival in zip(batch, arrivals, strict=True):
            await engine.handle(session, inbound, now=now, arrival=arrival)


async def test_a_batch_of_questions_is_encoded_in_one_call_and_decided_as_alone(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await load_test_kb(client, admin_headers)
    encoder = Sizes()
    kb = KnowledgeBase(settings, encoder)
    async with app.state.sessionmaker() as session:
        await kb.refresh(session)
    assert await kb.wait_semantic()
    async with app.state.sessionmaker() as session:
        encoder.sizes.clear()
        alone = [await kb.search(session, q) for q in QUESTIONS]
    asked = len(encoder.sizes)
    assert encoder.sizes == [1] * asked
    assert [r.model for r in alone] == ["encoder"] * asked + ["words"]

    engine = ConversationEngine(settings, kb)
    encoder.sizes.clear()
    batch = _batch(utcnow())
    await _decide(app, engine, batch)
    assert encoder.sizes == [asked]  # one call for the batch; the button asks nothing
    async with app.state.sessionmaker() as session:
        stored = {
            m.text: (m.understood_as, m.match_score)
            for m in await session.scalars(
                select(Message).where(Message.text.in_(QUESTIONS), Message.action.is_(None))
            )
        }
    assert stored == {
        q: (r.decision, r.matches[0].score if r.matches else None)
        for q, r in zip(QUESTIONS, alone, strict=True)
    }

    encoder.sizes.clear()
    await _decide(app, engine, batch)  # Meta re-delivers the batch: all duplicates
    assert encoder.sizes == []
    await kb.close()
