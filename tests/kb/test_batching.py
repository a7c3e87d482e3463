"""Micro-batching of encoder calls: the batcher on its own (batches form only while one
runs, errors reach every waiter, close cancels), and the knowledge base's searches through
it with the real encoders, concurrent or begun ahead, deciding as one at a time does
(SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.kb.batching import MicroBatcher
from app.kb.lookahead import Ahead, Lookahead
from app.kb.semantic import Encoder, Vectors
from app.kb.service import KnowledgeBase, SearchResult
from tests.conftest import make_settings
from tests.kb.test_matcher import INDEX
from tests.kb.test_semantic import KB_ARTICLES, PARAPHRASE, _loaded, each_encoder
from tests.kb.test_vectors import Hashing

# Written for these tests: slang, typos, English, a greeting, words the KB is sure of.
MESSAGES = [
    PARAPHRASE,
    "gmn cr refund kak",
    "how much is the shipping cost",
    "lacak pakett pake no resii",
    "I want my money back for this order",
    "pswd gk bs login, lupa",
    "Berapa ongkos kirim?",
    "where is my parcel now",
    "halo selamat pagi",
    "biaya kirim ke kota saya berapa ya",
]


class Gate:
    """A batch function that records each batch and holds the first until released."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = threading.Event()

    def __call__(self, items: list[int]) -> list[int]:
        if not self.batches:
            assert self.release.wait(10)
        self.batches.append(items)
        return [item * 10 for item in items]


async def _started(gate: Gate, batcher: MicroBatcher[int, int]) -> None:
    for _ in range(500):
        if batcher.batches:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the first batch never started")


async def test_a_lone_call_goes_at_once_and_callers_meanwhile_share_the_next_batch() -> None:
    gate = Gate()
    batcher: MicroBatcher[int, int] = MicroBatcher(gate, max_batch=4)
    first = asyncio.ensure_future(batcher.submit(1))
    await _started(gate, batcher)  # alone: it did not wait for company
    rest = [asyncio.ensure_future(batcher.submit(n)) for n in range(2, 12)]
    await asyncio.sleep(0.05)
    gate.release.set()
    assert await first == 10
    assert await asyncio.gather(*rest) == [n * 10 for n in range(2, 12)]
    assert gate.batches == [[1], [2, 3, 4, 5], [6, 7, 8, 9], [10, 11]]
    assert (batcher.batches, batcher.items) == (4, 11)
    assert await batcher.submit(12) == 120  # idle again: alone, at once
    assert gate.batches[-1] == [12]
    await batcher.close()


async def test_a_failing_batch_fails_each_of_its_callers_and_the_next_batch_runs() -> None:
    def run(items: list[str]) -> list[str]:
        if "bad" in items:
            raise ValueError("cannot encode")
        return [item.upper() for item in items]

    batcher: MicroBatcher[str, str] = MicroBatcher(run)
    results = await asyncio.gather(
        batcher.submit("ok"), batcher.submit("bad"), return_exceptions=True
    )
    assert [type(r) for r in results] == [ValueError, ValueError]
    assert await batcher.submit("fine") == "FINE"

    short: MicroBatcher[str, str] = MicroBatcher(lambda items: items[:1])
    with pytest.raises(RuntimeError, match="1 results for 2 items"):
        await asyncio.gather(short.submit("a"), short.submit("b"))
    await batcher.close()
    await short.close()


async def test_a_caller_that_gave_up_is_left_out_of_the_batch() -> None:
    gate = Gate()
    batcher: MicroBatcher[int, int] = MicroBatcher(gate)
    first = asyncio.ensure_future(batcher.submit(1))
    await _started(gate, batcher)
    gone = asyncio.ensure_future(batcher.submit(2))
    kept = asyncio.ensure_future(batcher.submit(3))
    await asyncio.sleep(0)
    gone.cancel()
    gate.release.set()
    assert (await first, await kept) == (10, 30)
    assert gate.batches == [[1], [3]]
    await batcher.close()


async def test_close_cancels_running_and_waiting_callers() -> None:
    gate = Gate()
    batcher: MicroBatcher[int, int] = MicroBatcher(gate)
    running = asyncio.ensure_future(batcher.submit(1))
    await _started(gate, batcher)
    waiting = asyncio.ensure_future(batcher.submit(2))
    await asyncio.sleep(0)
    await batcher.close()
    gate.release.set()  # the thread finishes the batch in hand; nobody reads it
    for call in (running, waiting):
        with pytest.raises(asyncio.CancelledError):
            await call
    with pytest.raises(RuntimeError, match="closed"):
        await batcher.submit(3)


class Recording:
    """A real encoder that records the size of each list it is given."""

    def __init__(self, encoder: Encoder) -> None:
        self._encoder = encoder
        self.name, self.model = encoder.name, encoder.model
        self.sizes: list[int] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.sizes.append(len(texts))
        return self._encoder.encode(texts)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, kb_semantic=True)


async def _ready_kb(app: FastAPI, settings: Settings, encoder: Encoder) -> KnowledgeBase:
    kb = KnowledgeBase(settings, encoder)
    async with app.state.sessionmaker() as session:
        await kb.refresh(session)
    assert await kb.wait_semantic()
    return kb


def _seen(result: SearchResult) -> tuple[object, ...]:
    return (result.decision, result.model, [(m.slug, m.score) for m in result.matches])


@each_encoder
def test_a_batch_encodes_each_text_as_it_is_encoded_alone(name: str) -> None:
    encoder = _loaded(name)
    assert encoder is not None
    alone = np.stack([encoder.encode([text])[0] for text in MESSAGES])
    together = encoder.encode(MESSAGES)
    # Another shape of matrix product sums in another order: float32 rounding, no more.
    np.testing.assert_allclose(together, alone, rtol=0, atol=1e-5)


@each_encoder
async def test_concurrent_and_prefetched_searches_decide_as_one_at_a_time(
    name: str,
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
) -> None:
    r = await client.post(
        "/api/v1/kb/import", json={"articles": KB_ARTICLES}, headers=admin_headers
    )
    assert r.status_code == 200, r.text
    real = _loaded(name)
    assert real is not None
    encoder = Recording(real)
    kb = await _ready_kb(app, settings, encoder)
    assert len(kb.status()["models"]) == 1
    assert INDEX.size == kb.status()["phrasings"]
    async with app.state.sessionmaker() as session:
        encoder.sizes.clear()
        alone = [_seen(await kb.search(session, text)) for text in MESSAGES]
        asked = len(encoder.sizes)
        assert encoder.sizes == [1] * asked  # one at a time: no company, no waiting
        assert 0 < asked < len(MESSAGES)  # the words are sure of some, and "halo" has none
        assert sum(seen[1] == "encoder" for seen in alone) == asked

        encoder.sizes.clear()
        together = await asyncio.gather(*(kb.search(session, text) for text in MESSAGES))
        assert [_seen(result) for result in together] == alone
        assert encoder.sizes == [asked]  # all in one batch

        encoder.sizes.clear()
        kb.prefetch(MESSAGES)
        ahead = [_seen(await kb.search(session, text)) for text in MESSAGES]
        assert ahead == alone
        assert encoder.sizes == [asked]
    await kb.close()


async def test_each_search_takes_its_own_prefetch_and_leftovers_are_bounded(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    r = await client.post(
        "/api/v1/kb/import", json={"articles": KB_ARTICLES}, headers=admin_headers
    )
    assert r.status_code == 200, r.text
    encoder = Hashing("hashing-batch", "use")
    kb = await _ready_kb(app, settings, encoder)
    async with app.state.sessionmaker() as session:
        expected = _seen(await kb.search(session, PARAPHRASE))
        encoder.texts.clear()
        # Two customers wrote the same words: each gets an encoding, as without prefetching.
        kb.prefetch([PARAPHRASE, PARAPHRASE])
        assert [_seen(await kb.search(session, PARAPHRASE)) for _ in range(3)] == [expected] * 3
        assert len(encoder.texts) == 3  # two begun ahead, the third searched alone
    await kb.close()

    ahead = Lookahead(limit=2)
    loop = asyncio.get_running_loop()
    futures = [loop.create_future() for _ in range(3)]
    for number, future in enumerate(futures):
        ahead.add(f"text {number}", Ahead(INDEX, None, [], future))
    assert len(ahead) == 2
    assert futures[0].cancelled()  # the oldest nobody took
    assert ahead.take("text 0", INDEX) is None
    taken = ahead.take("text 2", INDEX)
    assert taken is not None
    assert taken.cosines is futures[2]
    ahead.clear()
    assert futures[1].cancelled()
    assert len(ahead) == 0
