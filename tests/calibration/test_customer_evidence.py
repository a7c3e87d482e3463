"""The calibration's customer evidence: what customers asked in conversations whose answer
became known (deflected on an article, or resolved by an agent with an article or none),
searched without the wordings learned from them."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.calibration.compute import calibrate
from app.calibration.customers import NONE, customer_probes
from app.calibration.evidence import Asked, customer_evidence
from app.calibration.questions import VectorCache
from app.config import Settings
from app.escalation.models import Handoff
from app.kb.index import ArticleText, MatchIndex
from app.kb.matcher import WORDS, model_for, score
from app.kb.semantic import SemanticIndex, entry_texts
from tests.factories import bearer, make_agent
from tests.kb.test_semantic import Counting, needs_encoder
from tests.learning.kb import ARTICLES, load_kb
from tests.learning.test_learning import VAGUE, Customer, pick_and_confirm, suggest_settings


def _index(extra: dict[str, str] | None = None) -> MatchIndex:
    extra = extra or {}
    return MatchIndex.build(
        [
            ArticleText(
                a["slug"],
                a["question"],
                (*a["variants"], *([extra[a["slug"]]] if a["slug"] in extra else [])),
                a["answer"],
            )
            for a in ARTICLES
        ]
    )


async def _handed_over(
    client: httpx.AsyncClient, session: AsyncSession, agent: dict[str, str], text: str
) -> int:
    customer = await Customer(client).start()
    await customer.send(text=text)
    await customer.send(action="escalate")
    handoff_id = await session.scalar(select(Handoff.id).order_by(Handoff.id.desc()).limit(1))
    await session.commit()  # SQLite: no open transaction while the app writes
    assert handoff_id is not None
    claimed = await client.post(f"/api/v1/handoffs/{handoff_id}/claim", headers=agent)
    assert claimed.status_code == 200, claimed.text
    return handoff_id


async def test_what_customers_asked_and_what_answered_it(
    database_url: str, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    from app.main import create_app

    settings: Settings = suggest_settings(database_url)
    app: FastAPI = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        await load_kb(client, admin_headers)
        await pick_and_confirm(client, VAGUE, "cara-refund")  # deflected on a suggestion
        _, token = await make_agent(session, name="Ani")
        await session.commit()
        agent = bearer(token)
        first = await _handed_over(client, session, agent, "paket ku nyasar kemana ya")
        url = f"/api/v1/handoffs/{first}/resolve"
        resolved = await client.post(url, json={"article": "lacak-paket"}, headers=agent)
        assert resolved.status_code == 200, resolved.text
        second = await _handed_over(client, session, agent, "harga emas hari ini berapa")
        resolved = await client.post(f"/api/v1/handoffs/{second}/resolve", headers=agent)
        assert resolved.status_code == 200, resolved.text
        # Left without an answer: nobody knows what would have answered it.
        await (await Customer(client).start()).send(text="cuaca besok gimana")

        stored = await session.scalars(select(Handoff.resolved_article).order_by(Handoff.id))
        assert list(stored) == ["lacak-paket", None]
        await session.commit()
        async with app.state.sessionmaker() as reading:
            asked = await customer_evidence(reading)
    assert sorted(asked, key=lambda a: a.text) == [
        Asked("harga emas hari ini berapa", None),
        Asked(VAGUE, "cara-refund"),
        Asked("paket ku nyasar kemana ya", "lacak-paket"),
    ]


def test_a_question_does_not_find_the_wording_learned_from_it() -> None:
    text = "paket ku nyasar kemana ya"
    index = _index({"lacak-paket": text})
    learned = {("lacak-paket", text)}
    [probe] = customer_probes(
        index,
        None,
        (),
        WORDS,
        [Asked(text, "lacak-paket")],
        learned=lambda slug, t: (slug, t) in learned,
    )
    lacak = next(n for n, a in enumerate(index.articles) if a.slug == "lacak-paket")
    assert probe.article == lacak
    found_itself = dict(score(index, text))[lacak]
    assert dict(probe.words).get(lacak, 0.0) < found_itself
    assert dict(probe.words).get(lacak, 0.0) == dict(score(_index(), text)).get(lacak, 0.0)
    # Articles that are gone and questions no article answers.
    probes = customer_probes(
        index, None, (), WORDS, [Asked(text, "dihapus"), Asked("harga emas", None)]
    )
    assert [p.article for p in probes] == [NONE]


def test_off_topic_questions_the_bot_would_answer_raise_the_threshold() -> None:
    index = _index()
    alone = calibrate(index, None, WORDS, target=0.02, margin=0.05)
    assert alone.words is not None
    assert alone.customers == 0
    # Customers whose question reads like an article's but that no article answered.
    off_topic = [Asked(a["question"], None) for a in ARTICLES] * 5
    answered = [Asked(v, a["slug"]) for a in ARTICLES for v in a["variants"]]
    raised = calibrate(index, None, WORDS, target=0.02, margin=0.05, asked=off_topic + answered)
    assert raised.customers == len(off_topic) + len(answered)
    assert raised.words is not None
    assert raised.words.threshold > alone.words.threshold


@needs_encoder
def test_questions_are_embedded_once_across_calibrations() -> None:
    index = _index()
    encoder = Counting()
    semantic = [SemanticIndex(encoder.encode(entry_texts(index)), index)]
    model = model_for((encoder.name,))
    asked = [Asked("paket ku nyasar kemana ya", "lacak-paket"), Asked("harga emas", None)]
    cache: VectorCache = {}
    encoder.texts.clear()
    first = customer_probes(index, semantic, [encoder], model, asked, cache=cache)
    assert len(encoder.texts) == 2
    again = customer_probes(
        index,
        semantic,
        [encoder],
        model,
        [*asked[1:], Asked("cs buka jam berapa", None)],
        cache=cache,
    )
    assert len(encoder.texts) == 3  # only the new question
    assert len(cache) == 2  # the one no longer asked is dropped
    assert first[1].encoder == again[0].encoder  # the same vector, the same scores
