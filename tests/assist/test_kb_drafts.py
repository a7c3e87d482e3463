"""KB drafts from knowledge gaps, and publishing one as an article."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEntry
from app.escalation.models import Handoff
from app.main import create_app
from tests.assist.support import import_kb, past_case
from tests.conftest import make_settings
from tests.fakes.chat_model import FakeChatModel

SHIPPING = "Maaf kak Sari, saat ini kami hanya mengirim ke seluruh Indonesia, belum ke luar negeri."
WORDINGS = [
    "bisa kirim ke luar negeri?",
    "bisa kirim ke luar negeri ga",
    "apakah bisa kirim ke luar negeri",
]


async def _gap(session: AsyncSession) -> list[Handoff]:
    """Four customers asked about shipping abroad (the bot had no answer); agents resolved
    three the same way and one otherwise."""
    handoffs = [
        await past_case(session, question=q, reply=SHIPPING, understood_as="none") for q in WORDINGS
    ]
    handoffs.append(
        await past_case(
            session,
            question="bisa kirim ke luar negeri? wa saya 081234567890",
            reply="Belum bisa kak, coba hubungi kami lagi bulan depan.",
            understood_as="none",
        )
    )
    await session.commit()
    return handoffs


def _article(**changes: Any) -> dict[str, Any]:
    return {
        "slug": "kirim-luar-negeri",
        "question": "Apakah bisa kirim ke luar negeri?",
        "variants": ["kirim ke malaysia"],
        "answer": "Saat ini kami hanya mengirim ke seluruh Indonesia.",
        "category": "pengiriman",
        **changes,
    }


async def test_a_gap_becomes_a_draft_and_is_published_once(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    await import_kb(client, admin_headers)
    handoffs = await _gap(session)

    listed = await client.get("/api/v1/kb/drafts", headers=admin_headers)

    assert listed.status_code == 200, listed.text
    [draft] = listed.json()["items"]
    assert draft["count"] == 4
    assert draft["generated_by"] == "extractive"
    assert {draft["question"], *draft["variants"]} == set(WORDINGS)  # not the one with a phone
    assert draft["answer"].startswith("Maaf kak [nama], saat ini kami hanya mengirim")
    assert sorted(s["handoff_id"] for s in draft["sources"]) == [h.id for h in handoffs[:3]]
    again = (await client.get("/api/v1/kb/drafts", headers=admin_headers)).json()
    assert again["items"][0]["id"] == draft["id"]

    path = f"/api/v1/kb/drafts/{draft['id']}/publish"
    taken = await client.post(path, json=_article(slug="refund"), headers=admin_headers)
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "duplicate_slug"

    published = await client.post(path, json=_article(), headers=admin_headers)

    assert published.status_code == 201, published.text
    article = published.json()
    assert article["slug"] == "kirim-luar-negeri"
    assert article["answer"] == "Saat ini kami hanya mengirim ke seluruh Indonesia."
    assert article["variants"][0] == "kirim ke malaysia"
    assert set(WORDINGS) - {"apakah bisa kirim ke luar negeri"} <= set(article["variants"])
    assert not any("0812" in v for v in article["variants"])
    search = await client.get(
        "/api/v1/kb/search", params={"q": "bisa kirim ke luar negeri ga"}, headers=admin_headers
    )
    assert search.json()["matches"][0]["slug"] == "kirim-luar-negeri"
    twice = await client.post(path, json=_article(slug="lagi"), headers=admin_headers)
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "draft_already_published"
    assert (await client.get("/api/v1/kb/drafts", headers=admin_headers)).json()["items"] == []
    entries = list(
        await session.scalars(select(AuditEntry).where(AuditEntry.target == "kirim-luar-negeri"))
    )
    assert [e.action for e in entries] == ["kb.draft_published"]


async def test_unknown_draft_and_bad_article(
    client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    await _gap(session)
    draft = (await client.get("/api/v1/kb/drafts", headers=admin_headers)).json()["items"][0]
    unknown = await client.post(
        "/api/v1/kb/drafts/00000000deadbeef/publish", json=_article(), headers=admin_headers
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "draft_not_found"
    bad = await client.post(
        f"/api/v1/kb/drafts/{draft['id']}/publish",
        json=_article(slug="Bukan Slug", answer=""),
        headers=admin_headers,
    )
    assert bad.status_code == 422
    assert set(bad.json()["error"]) >= {"code", "message"}
    small = await client.get("/api/v1/kb/drafts?limit=0", headers=admin_headers)
    assert small.status_code == 422


async def test_the_model_rewrites_a_draft_once(database_url: str) -> None:
    async with FakeChatModel() as model:
        model.answer = FakeChatModel.json_object(
            {
                "question": "Apakah bisa kirim ke luar negeri?",
                "answer": "Kami baru mengirim ke seluruh Indonesia.",
            }
        )
        settings = make_settings(database_url, llm_base_url=model.url, llm_model="qwen-test")
        application = create_app(settings)
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                async with application.state.sessionmaker() as session:
                    await _gap(session)
                admin = {"Authorization": "Bearer test-admin-token"}
                first = (await client.get("/api/v1/kb/drafts", headers=admin)).json()
                second = (await client.get("/api/v1/kb/drafts", headers=admin)).json()

    assert first == second
    [draft] = first["items"]
    assert draft["generated_by"] == "llm"
    assert draft["answer"] == "Kami baru mengirim ke seluruh Indonesia."
    assert draft["question"] == "Apakah bisa kirim ke luar negeri?"
    assert set(draft["variants"]) == set(WORDINGS)
    assert len(model.requests) == 1  # the second page load used the cached rewrite
    prompt = model.prompt()
    assert "hanya mengirim ke seluruh Indonesia" in prompt
    assert "Sari" not in prompt
    assert "081234567890" not in prompt
