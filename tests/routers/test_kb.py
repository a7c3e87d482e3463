from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.kb.models import Article, KbState
from app.kb.service import KnowledgeBase
from tests.factories import bearer, make_agent


def article(slug: str, question: str, **extra: Any) -> dict[str, Any]:
    return {"slug": slug, "question": question, "answer": f"Jawaban {slug}.", **extra}


ARTICLES = [
    article("lupa-password", "Saya lupa kata sandi", variants=["Reset password akun"]),
    article("cara-refund", "Bagaimana cara refund?", variants=["Pengembalian dana"], tags=["dana"]),
    article("lacak-paket", "Bagaimana cara melacak paket?", variants=["Cek nomor resi"]),
]


async def version(session: AsyncSession) -> int:
    value = await session.scalar(select(KbState.version).where(KbState.id == 1))
    await session.rollback()  # SQLite: do not hold the write lock the app needs
    return int(value or 0)


async def count(session: AsyncSession) -> int:
    value = await session.scalar(select(func.count()).select_from(Article))
    await session.rollback()
    return int(value or 0)


async def test_import_upsert_replace_and_export_round_trip(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    r = await client.post(
        "/api/v1/kb/import", json={"mode": "upsert", "articles": ARTICLES}, headers=admin_headers
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 3, "updated": 0, "unchanged": 0, "deleted": 0}
    assert await version(session) == 1

    exported = (await client.get("/api/v1/kb/export", headers=admin_headers)).json()
    assert {a["slug"] for a in exported["articles"]} == {a["slug"] for a in ARTICLES}
    again = await client.post("/api/v1/kb/import", json=exported, headers=admin_headers)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 3, "deleted": 0}
    assert await version(session) == 1  # nothing changed: no index rebuild anywhere
    assert (await client.get("/api/v1/kb/export", headers=admin_headers)).json() == exported

    replace = {"mode": "replace", "articles": [ARTICLES[0], article("baru", "Artikel baru")]}
    r = await client.post("/api/v1/kb/import", json=replace, headers=admin_headers)
    assert r.json() == {"created": 1, "updated": 0, "unchanged": 1, "deleted": 2}
    assert await count(session) == 2


async def test_one_bad_article_rejects_the_whole_import(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    cases = [
        ([*ARTICLES, article("kosong", "  ")], "kosong"),
        ([*ARTICLES, {"slug": "tanpa-jawaban", "question": "Q?", "answer": ""}], "tanpa-jawaban"),
        ([*ARTICLES, article("Huruf Besar", "Q?")], "Huruf Besar"),
        ([*ARTICLES, article("panjang", "x" * 5000)], "panjang"),
        ([*ARTICLES, article("lupa-password", "lagi")], "duplicate slug"),
    ]
    for articles, named in cases:
        r = await client.post(
            "/api/v1/kb/import", json={"articles": articles}, headers=admin_headers
        )
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "invalid_article"
        assert named in r.json()["error"]["message"]
        assert "article 3" in r.json()["error"]["message"]
    assert await count(session) == 0
    assert await version(session) == 0


async def test_import_limit_is_a_clear_4xx(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    app.state.settings = settings.model_copy(update={"kb_max_articles": 2})
    r = await client.post("/api/v1/kb/import", json={"articles": ARTICLES}, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "too_many_articles"


async def test_csv_import_as_body_and_as_upload(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    csv_text = (
        "slug,question,variants,answer,url,category,tags\n"
        'lupa-password,Saya lupa kata sandi,"Reset password|Lupa pw",Klik lupa.,,Akun,akun|login\n'
    )
    r = await client.post(
        "/api/v1/kb/import",
        content=csv_text.encode(),
        headers={**admin_headers, "content-type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1
    stored = (await client.get("/api/v1/kb/articles/lupa-password", headers=admin_headers)).json()
    assert stored["variants"] == ["Reset password", "Lupa pw"]
    assert stored["tags"] == ["akun", "login"]
    assert stored["url"] is None

    upload = "slug,question,answer\ncara-refund,Cara refund?,Begini.\n"
    r = await client.post(
        "/api/v1/kb/import",
        files={"file": ("faq.csv", upload.encode(), "text/csv")},
        data={"mode": "replace"},
        headers=admin_headers,
    )
    assert r.json() == {"created": 1, "updated": 0, "unchanged": 0, "deleted": 1}
    bad = await client.post(
        "/api/v1/kb/import",
        content=b"slug,question\nx,y\n",
        headers={**admin_headers, "content-type": "text/csv"},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_csv"
    assert await count(session) == 1


@pytest.mark.parametrize(
    "csv_text",
    [
        "slug,question,answer" + "x" * 200_000 + "\n",  # in the header row
        "slug,question,answer\nx,y," + "z" * 200_000 + "\n",  # in an article
    ],
    ids=["header", "row"],
)
async def test_a_csv_field_past_the_csv_modules_limit_is_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession, csv_text: str
) -> None:
    r = await client.post(
        "/api/v1/kb/import",
        content=csv_text.encode(),
        headers={**admin_headers, "content-type": "text/csv"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_csv"
    assert await count(session) == 0


async def test_crud(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    r = await client.post("/api/v1/kb/articles", json=ARTICLES[0], headers=admin_headers)
    assert r.status_code == 201, r.text
    dup = await client.post("/api/v1/kb/articles", json=ARTICLES[0], headers=admin_headers)
    assert dup.status_code == 409
    r = await client.patch(
        "/api/v1/kb/articles/lupa-password", json={"answer": "Baru."}, headers=admin_headers
    )
    assert r.json()["answer"] == "Baru."
    bad = await client.patch(
        "/api/v1/kb/articles/lupa-password", json={"question": ""}, headers=admin_headers
    )
    assert bad.status_code == 422
    listed = (await client.get("/api/v1/kb/articles", headers=admin_headers)).json()["items"]
    assert [a["slug"] for a in listed] == ["lupa-password"]
    deleted = await client.delete("/api/v1/kb/articles/lupa-password", headers=admin_headers)
    assert deleted.status_code == 204
    for method in ("GET", "PATCH", "DELETE"):
        r = await client.request(
            method,
            "/api/v1/kb/articles/nope",
            json={} if method == "PATCH" else None,
            headers=admin_headers,
        )
        assert r.status_code == 404


async def test_admin_routes_need_the_admin_token(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    agent_token = (await make_agent(session))[1]
    await session.commit()
    for method, path in [
        ("POST", "/api/v1/kb/import"),
        ("GET", "/api/v1/kb/export"),
        ("GET", "/api/v1/kb/articles"),
        ("DELETE", "/api/v1/kb/articles/x"),
    ]:
        assert (await client.request(method, path)).status_code == 401
        r = await client.request(method, path, headers=bearer(agent_token))
        assert r.status_code == 403
    search = await client.get("/api/v1/kb/search?q=halo", headers=bearer(agent_token))
    assert search.status_code == 200
    assert (await client.get("/api/v1/kb/search?q=halo")).status_code == 401


async def test_search_sees_edits_at_once_and_other_replicas_after_refresh(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await client.post("/api/v1/kb/import", json={"articles": ARTICLES}, headers=admin_headers)
    r = await client.get("/api/v1/kb/search", params={"q": "lupa password"}, headers=admin_headers)
    body = r.json()
    assert body["decision"] == "answer"
    assert body["matches"][0]["slug"] == "lupa-password"
    assert 0 < body["matches"][0]["score"] <= 1

    other = KnowledgeBase(settings)  # a second replica on the same database
    async with app.state.sessionmaker() as s:
        assert (await other.search(s, "lupa password")).matches[0].slug == "lupa-password"

    await client.patch(
        "/api/v1/kb/articles/lupa-password", json={"active": False}, headers=admin_headers
    )
    r = await client.get("/api/v1/kb/search", params={"q": "lupa password"}, headers=admin_headers)
    assert all(m["slug"] != "lupa-password" for m in r.json()["matches"])

    async with app.state.sessionmaker() as s:
        stale = await other.search(s, "lupa password")
        assert stale.matches[0].slug == "lupa-password"  # not refreshed yet
        await other.refresh(s)
        fresh = await other.search(s, "lupa password")
        assert all(m.slug != "lupa-password" for m in fresh.matches)
        assert await other.get_article(s, "lupa-password") is None
        assert await other.get_article(s, "cara-refund") is not None
