"""``KnowledgeBase.search_batch`` (coverage reports) decides exactly as one ``search`` per
text, with the real sentence encoders installed, each setup of them."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.kb.matcher import ENCODER_MODELS
from app.kb.semantic import load_encoders
from app.kb.service import KnowledgeBase
from tests.conftest import make_settings
from tests.kb.test_semantic import KB_ARTICLES, PARAPHRASE

TEXTS = [
    "Saya lupa kata sandi",  # a phrasing: the words are sure, no encoder
    "lupa password",
    PARAPHRASE,  # no shared content word: the encoder decides
    "Can I get my money back?",
    "gmn cr refund kak",
    "berapa ongkir ke medan",
    "paket saya belum sampai sudah seminggu",
    "harga saham hari ini",
    "terima kasih kak",
    "🙏🙏",  # no content word: nothing to embed
    "how much is the shipping cost",
    "lupa password",  # a repeat: encoded once, the same answer
    "where is my parcel",
    "tarif kurir ke luar pulau",
]
SETUPS = [
    pytest.param(
        names,
        marks=pytest.mark.skipif(
            len(load_encoders(names)) != len(names), reason=f"no {'/'.join(names)} wheel here"
        ),
    )
    for names in ENCODER_MODELS
]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, kb_semantic=True)


@pytest.mark.parametrize("names", SETUPS)
async def test_batch_results_equal_one_by_one(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
    names: tuple[str, ...],
) -> None:
    r = await client.post(
        "/api/v1/kb/import", json={"articles": KB_ARTICLES}, headers=admin_headers
    )
    assert r.status_code == 200, r.text
    kb = KnowledgeBase(settings, load_encoders(names))
    try:
        async with app.state.sessionmaker() as session:
            await kb.refresh(session)
            await session.rollback()  # SQLite: the vector store's writes need the lock
            assert await kb.wait_semantic()
            one_by_one = [await kb.search(session, t, limit=3, count=False) for t in TEXTS]
        batched = kb.search_batch(TEXTS, limit=3, encode_batch=4)
    finally:
        await kb.close()

    assert len(batched) == len(TEXTS)
    for text, single, batch in zip(TEXTS, one_by_one, batched, strict=True):
        assert (batch.decision, batch.model) == (single.decision, single.model), text
        assert [m.slug for m in batch.matches] == [m.slug for m in single.matches], text
        # USE's matrix products in a batch of several texts may differ from one text's in
        # the last float bit (1e-7); scores are rounded to 4 places.
        assert [m.score for m in batch.matches] == pytest.approx(
            [m.score for m in single.matches], abs=1e-4
        ), text
    # Both paths were taken: some texts decided by words alone, some with the encoders.
    assert {r.model for r in batched} == {"words", "encoder"}
    assert {r.decision for r in batched} >= {"answer", "none"}
