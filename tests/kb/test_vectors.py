"""When the KB asks the encoder: the shared store of phrasing vectors (each phrasing is
embedded once, whichever process or replica needs it) and searches the words answer surely
(SQLite and PostgreSQL). A deterministic encoder stands in for the model here, so these
tests run on every platform; the real one has tests/kb/test_semantic.py."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections.abc import Sequence

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, text, update

from app.config import Settings
from app.kb.matcher import WORDS_SURE
from app.kb.models import PhrasingVector
from app.kb.semantic import Vectors, encoder_text
from app.kb.service import KnowledgeBase
from app.kb.vectors import save_vectors, vector_key
from tests.conftest import make_settings
from tests.kb.test_matcher import INDEX
from tests.kb.test_semantic import KB_ARTICLES


class Hashing:
    """A stand-in model: a fixed unit vector per text, derived from its hash. Records what
    it is asked to embed."""

    def __init__(self, model: str = "hashing-test", name: str = "use") -> None:
        self.name, self.model = name, model  # name: whose fitted weights score with it
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.texts.extend(texts)
        rows = np.stack(
            [
                np.random.default_rng(
                    int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
                ).standard_normal(16)
                for t in texts
            ]
        )
        return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


async def _import(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    r = await client.post("/api/v1/kb/import", json={"articles": KB_ARTICLES}, headers=headers)
    assert r.status_code == 200, r.text


async def _ready(app: FastAPI, kb: KnowledgeBase) -> None:
    async with app.state.sessionmaker() as session:
        await kb.refresh(session)
    assert await kb.wait_semantic()


async def _started(app: FastAPI, settings: Settings, encoder: Hashing) -> KnowledgeBase:
    kb = KnowledgeBase(settings, encoder)
    await _ready(app, kb)
    return kb


async def _rows(app: FastAPI, model: str = "hashing-test") -> int:
    async with app.state.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(PhrasingVector).where(PhrasingVector.model == model)
        )
    return int(count or 0)


async def test_a_second_process_loads_the_vectors_instead_of_embedding(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await _import(client, admin_headers)
    first, second = Hashing(), Hashing()
    kb_first, kb_second = KnowledgeBase(settings, first), KnowledgeBase(settings, second)
    await _ready(app, kb_first)
    assert len(first.texts) == INDEX.size
    assert await _rows(app) == INDEX.size

    await _ready(app, kb_second)  # a restart, the worker child or another replica
    assert second.texts == []
    assert kb_second.semantic_ready
    async with app.state.sessionmaker() as session:
        # The loaded vectors are the embedded ones: both score every message alike.
        for message in ("lupa password", "ongkir ke bali", "paket belum sampai"):
            assert await kb_second.search(session, message) == await kb_first.search(
                session, message
            )
        await session.rollback()  # SQLite: do not hold the lock the app's write needs
    second.texts.clear()  # the messages it embedded

    # A new phrasing is embedded by whoever sees it first, once.
    r = await client.patch(
        "/api/v1/kb/articles/ongkir",
        json={"variants": ["Tarif kurir ke luar pulau"]},
        headers=admin_headers,
    )
    assert r.status_code == 200, r.text
    first.texts.clear()
    await _ready(app, kb_first)
    await _ready(app, kb_second)
    assert len(first.texts) == 1
    assert "pulau" in first.texts[0]
    assert second.texts == []
    await kb_first.close()
    await kb_second.close()


async def test_phrasings_the_kb_no_longer_has_are_pruned_per_model(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await _import(client, admin_headers)
    kb_other = await _started(app, settings, Hashing("another-model"))
    kb = await _started(app, settings, Hashing())
    assert await _rows(app) == INDEX.size

    r = await client.delete("/api/v1/kb/articles/ongkir", headers=admin_headers)
    assert r.status_code in (200, 204), r.text
    await _ready(app, kb)
    kept = INDEX.size - sum(1 for a in INDEX.entry_article if INDEX.articles[a].slug == "ongkir")
    assert await _rows(app) == kept
    # Another model's vectors are its own processes' business (say, a rolling upgrade).
    assert await _rows(app, "another-model") == INDEX.size
    await kb.close()
    await kb_other.close()


async def test_a_damaged_vector_is_embedded_again(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await _import(client, admin_headers)
    kb = await _started(app, settings, Hashing())
    damaged = [INDEX.entry_texts[0], INDEX.entry_texts[1]]
    async with app.state.sessionmaker() as session:
        for text_, blob in zip(damaged, [b"abc", b"\x00" * 8], strict=True):
            key = vector_key("hashing-test", encoder_text(INDEX, text_))
            await session.execute(
                update(PhrasingVector).where(PhrasingVector.key == key).values(vector=blob)
            )
        await session.commit()

    encoder = Hashing()
    fresh = await _started(app, settings, encoder)
    assert len(encoder.texts) == 2  # not a multiple of 4 bytes, and the wrong size
    await kb.close()
    await fresh.close()


async def test_without_the_store_the_kb_embeds_and_searches_anyway(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
    backend: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if backend != "sqlite":
        pytest.skip("drops a table: only on the per-test SQLite copy")
    await _import(client, admin_headers)
    async with app.state.sessionmaker() as session:
        await session.execute(text("DROP TABLE kb_vectors"))
        await session.commit()
    encoder = Hashing()
    kb = KnowledgeBase(settings, encoder)
    with caplog.at_level(logging.WARNING, logger="app.kb"):
        await _ready(app, kb)
    assert len(encoder.texts) == INDEX.size
    assert caplog.text.count("kb vector store unavailable") == 1  # then it stops asking
    await kb.close()


async def _import_many(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    """200 articles, 600 phrasings: many look-up batches."""
    topics = ["refund", "ongkir", "voucher", "retur"]
    names = [a + b for a in "bcdfghjklmnp" for b in ("ana", "iru", "oke", "uma")][:50]
    articles = [
        {
            "slug": f"artikel-{n}",
            "question": f"Bagaimana {topic} untuk produk {name}?",
            "variants": [f"{topic} produk {name} gimana", f"tanya {topic} {name}"],
            "answer": f"Jawaban {n}.",
        }
        for n, (topic, name) in enumerate((t, m) for t in topics for m in names)
    ]
    r = await client.post("/api/v1/kb/import", json={"articles": articles}, headers=headers)
    assert r.status_code == 200, r.text


async def test_processes_embedding_at_once_share_the_work(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await _import_many(client, admin_headers)
    first, second = Hashing(), Hashing()
    kbs = [KnowledgeBase(settings, first), KnowledgeBase(settings, second)]
    for kb in kbs:  # both start before either has stored anything
        async with app.state.sessionmaker() as session:
            await kb.refresh(session)
    assert all([await kb.wait_semantic() for kb in kbs])
    # Every phrasing once at least (a few are the same text once normalised); without
    # sharing, both would embed all of them. Each looks in the store before every small
    # batch, so only what both had in hand at the same moment is embedded twice (looking
    # only every 256 phrasings, 40-65% was).
    phrasings = await _rows(app)
    assert phrasings > 500
    assert len(set(first.texts) | set(second.texts)) == phrasings
    assert len(first.texts) + len(second.texts) <= 1.25 * phrasings
    for kb in kbs:
        await kb.close()


async def test_on_sqlite_the_store_waits_its_turn_in_the_writer_queue(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await _import(client, admin_headers)
    queue = asyncio.Lock()
    kb = KnowledgeBase(settings, Hashing(), writer_queue=queue)
    async with queue:  # a request's write transaction under way
        async with app.state.sessionmaker() as session:
            await kb.refresh(session)
        await asyncio.sleep(0.3)
        assert await _rows(app) == 0
        assert not kb.semantic_ready
    assert await kb.wait_semantic()
    assert await _rows(app) == INDEX.size
    await kb.close()


async def _searching(
    app: FastAPI, client: httpx.AsyncClient, headers: dict[str, str], settings: Settings
) -> tuple[KnowledgeBase, Hashing]:
    """A KB ready to search with the encoder, which has embedded nothing since."""
    await _import(client, headers)
    encoder = Hashing()
    kb = await _started(app, settings, encoder)
    encoder.texts.clear()
    return kb, encoder


async def test_a_message_the_words_answer_surely_is_not_embedded(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    kb, encoder = await _searching(app, client, admin_headers, settings)
    async with app.state.sessionmaker() as session:
        sure = await kb.search(session, "lupa kata sandi saya")
        assert sure.decision == "answer"
        assert sure.matches[0].slug == "lupa-password"
        assert sure.matches[0].score >= WORDS_SURE
        assert encoder.texts == []  # by words alone: the encoder was not asked
        await kb.search(session, "I can't remember the secret code to sign in")
        assert len(encoder.texts) == 1
    await kb.close()


async def test_an_operator_threshold_above_words_sure_still_asks_the_encoder(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    strict = make_settings(database_url, kb_answer_threshold=0.999)
    kb, encoder = await _searching(app, client, admin_headers, strict)
    async with app.state.sessionmaker() as session:
        await kb.search(session, "lupa kata sandi saya")
    assert len(encoder.texts) == 1  # 0.99 by words would not be an answer at 0.999
    await kb.close()


async def test_processes_storing_the_same_vectors_at_once_wait_instead_of_deadlocking(
    app: FastAPI, backend: str
) -> None:
    """Two processes that embedded overlapping phrasings store them at once. Each insert of
    a key another open transaction inserted waits for it; if each waited on the other,
    PostgreSQL would abort one (a deadlock), and that process would embed without the store
    for a while. Keys stored in one order never form that cycle."""
    if backend != "postgres":
        pytest.skip("PostgreSQL only: SQLite runs one writer at a time")
    model = "hashing-test"
    low, high = sorted(["kirim", "refund", "ongkir"], key=lambda t: vector_key(model, t))[:2]
    vectors = dict(zip([low, high], Hashing().encode([low, high]), strict=True))
    first, second = app.state.sessionmaker(), app.state.sessionmaker()
    async with first, second:
        await save_vectors(first, model, {low: vectors[low]})  # held by an open transaction
        # The other process's chunk lists the higher key first: it must not take that key
        # before it waits for the lower one.
        waiting = asyncio.create_task(
            save_vectors(second, model, {high: vectors[high], low: vectors[low]})
        )
        await _until_a_lock_wait(app)  # `second` now waits for `first`'s transaction
        await asyncio.wait_for(save_vectors(first, model, {high: vectors[high]}), timeout=5)
        await first.commit()
        await asyncio.wait_for(waiting, timeout=5)
        await second.commit()
    assert await _rows(app) == 2


async def _until_a_lock_wait(app: FastAPI) -> None:
    async with app.state.sessionmaker() as session:
        for _ in range(500):
            waiting = await session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            if waiting:
                return
            await asyncio.sleep(0.01)
    raise AssertionError("no transaction started waiting for a lock")


class Gated(Hashing):
    """Blocks its third call until the test opens the gate: by then the run has looked up
    and tried to write its first batch."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.waiting, self.gate = threading.Event(), threading.Event()

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        if self.calls == 3:
            self.waiting.set()
            assert self.gate.wait(timeout=10)
        return super().encode(texts)


async def test_a_store_that_comes_back_gets_every_vector_of_the_run(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failover in the middle of a long embedding run: the run goes on without the store,
    asks it again later, and then stores what it embedded meanwhile too."""
    await _import_many(client, admin_headers)
    async with app.state.sessionmaker() as session:
        await session.execute(text("ALTER TABLE kb_vectors RENAME TO kb_vectors_away"))
        await session.commit()
    encoder = Gated()
    kb = KnowledgeBase(settings, encoder, store_retry_seconds=0)
    with caplog.at_level(logging.INFO, logger="app.kb"):
        async with app.state.sessionmaker() as session:
            await kb.refresh(session)
        assert await asyncio.to_thread(encoder.waiting.wait, 10)
        async with app.state.sessionmaker() as session:  # the database is back
            await session.execute(text("ALTER TABLE kb_vectors_away RENAME TO kb_vectors"))
            await session.commit()
        encoder.gate.set()
        assert await kb.wait_semantic()
    phrasings = len(set(encoder.texts))
    assert phrasings > 500
    assert await _rows(app) == phrasings  # the first batch's vectors too
    assert caplog.text.count("kb vector store unavailable") == 1
    assert "kb vector store available again" in caplog.text
    await kb.close()
