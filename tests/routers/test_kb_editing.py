"""The KB round trip an editor makes: CSV both ways, exact import counts, English
translations, and two editors saving one article (the later one is refused with 409)."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kb.csv_io import COLUMNS
from app.kb.models import Article
from tests.routers.test_kb import ARTICLES, version
from tests.test_cli import run_router

BOM = "\ufeff".encode()
EN = {"en": {"question": "How do I get a refund?", "answer": "Open the order and tap Refund."}}
CSV = {"content-type": "text/csv"}


async def _import(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> Any:
    r = await client.post("/api/v1/kb/import", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def _csv(client: httpx.AsyncClient, headers: dict[str, str]) -> bytes:
    r = await client.get("/api/v1/kb/export", params={"format": "csv"}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    return r.content


async def test_csv_export_then_import_changes_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    articles = [
        *ARTICLES,
        {
            "slug": "ongkir",
            "question": "Berapa ongkos kirim ke Papua?",
            "answer": 'Ongkir dihitung saat checkout.\nGratis di atas Rp100.000, "promo" 5%.',
            "url": "https://toko.example/ongkir",
            "category": "Pengiriman",
            "tags": ["kirim", "biaya"],
            "active": False,
            "translations": EN,
        },
    ]
    await _import(client, admin_headers, articles=articles)
    before = await version(session)
    exported = await _csv(client, admin_headers)
    assert exported.startswith(BOM)
    header = next(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert header == list(COLUMNS)
    assert header[-2:] == ["question_en", "answer_en"]
    json_before = (await client.get("/api/v1/kb/export", headers=admin_headers)).json()

    for body in (exported, exported.removeprefix(BOM)):  # Excel keeps the BOM, others drop it
        r = await client.post("/api/v1/kb/import", content=body, headers={**admin_headers, **CSV})
        assert r.status_code == 200, r.text
        assert r.json() == {"created": 0, "updated": 0, "unchanged": 4, "deleted": 0}
    assert await version(session) == before
    assert (await client.get("/api/v1/kb/export", headers=admin_headers)).json() == json_before
    assert await _csv(client, admin_headers) == exported


async def test_one_changed_article_is_the_one_updated(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    articles = [
        {"slug": f"a-{i}", "question": f"Pertanyaan {i}", "answer": "Ya."} for i in range(31)
    ]
    await _import(client, admin_headers, articles=articles)
    stamp = await session.scalar(select(Article.updated_at).where(Article.slug == "a-0"))
    await session.rollback()
    edited: list[dict[str, Any]] = [dict(a) for a in articles]
    edited[7]["answer"] = "Tidak."
    edited[8]["variants"] = ["Tanya delapan"]
    result = await _import(client, admin_headers, articles=edited[:30], mode="replace")
    assert result == {"created": 0, "updated": 2, "unchanged": 28, "deleted": 1}
    assert await session.scalar(select(Article.updated_at).where(Article.slug == "a-0")) == stamp
    await session.rollback()


async def test_translations_in_json_and_csv_and_their_errors(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    csv_text = (
        "slug,question,answer,question_en,answer_en\n"
        "cara-refund,Bagaimana cara refund?,Buka pesanan.,How do I get a refund?,Open the order.\n"
        "lacak-paket,Lacak paket?,Cek resi.,,\n"
    )
    r = await client.post(
        "/api/v1/kb/import", content=csv_text.encode(), headers={**admin_headers, **CSV}
    )
    assert r.status_code == 200, r.text
    refund = (await client.get("/api/v1/kb/articles/cara-refund", headers=admin_headers)).json()
    assert refund["translations"] == {
        "en": {"question": "How do I get a refund?", "answer": "Open the order."}
    }
    paket = (await client.get("/api/v1/kb/articles/lacak-paket", headers=admin_headers)).json()
    assert paket["translations"] == {}

    half = "slug,question,answer,question_en,answer_en\nx,Tanya?,Jawab.,Question only,\n"
    r = await client.post(
        "/api/v1/kb/import", content=half.encode(), headers={**admin_headers, **CSV}
    )
    assert r.status_code == 422
    assert "translations.en.answer" in r.json()["error"]["message"]
    for bad in ({"fr": EN["en"]}, {"en": {"question": "Q?", "answer": ""}}):
        r = await client.patch(
            "/api/v1/kb/articles/cara-refund", json={"translations": bad}, headers=admin_headers
        )
        assert r.status_code == 422, r.text
        assert set(r.json()["error"]) >= {"code", "message"}
    r = await client.patch(
        "/api/v1/kb/articles/cara-refund", json={"translations": {}}, headers=admin_headers
    )
    assert r.json()["translations"] == {}


async def test_a_pipe_inside_a_variant_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = {"articles": [{**ARTICLES[0], "variants": ["a|b"]}]}
    r = await client.post("/api/v1/kb/import", json=body, headers=admin_headers)
    assert r.status_code == 422
    assert "'|'" in r.json()["error"]["message"]


async def test_an_edit_from_an_old_revision_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await _import(client, admin_headers, articles=ARTICLES)
    path = "/api/v1/kb/articles/lupa-password"
    opened = await client.get(path, headers=admin_headers)
    etag = opened.headers["etag"]
    assert etag == f'"{opened.json()["revision"]}"'
    variants = opened.json()["variants"]

    # Two editors opened the same revision; each adds a different variant.
    first = await client.patch(
        path,
        json={"variants": [*variants, "Lupa pw"]},
        headers={**admin_headers, "If-Match": etag},
    )
    assert first.status_code == 200, first.text
    assert first.headers["etag"] != etag
    second = await client.patch(
        path,
        json={"variants": [*variants, "Gak bisa login"]},
        headers={**admin_headers, "If-Match": etag},
    )
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "edit_conflict"
    stored = (await client.get(path, headers=admin_headers)).json()
    assert stored["variants"] == [*variants, "Lupa pw"]  # neither merged nor overwritten

    refused = await client.delete(path, headers={**admin_headers, "If-Match": etag})
    assert refused.status_code == 409
    bad = await client.patch(path, json={}, headers={**admin_headers, "If-Match": "abc"})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_precondition"
    # Without a precondition the later save wins, whole fields replaced.
    r = await client.patch(path, json={"variants": ["Satu"]}, headers=admin_headers)
    assert r.json()["variants"] == ["Satu"]
    gone = await client.delete(path, headers={**admin_headers, "If-Match": r.headers["etag"]})
    assert gone.status_code == 204


async def test_simultaneous_saves_from_one_revision_let_exactly_one_through(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await _import(client, admin_headers, articles=ARTICLES)
    path = "/api/v1/kb/articles/cara-refund"
    etag = (await client.get(path, headers=admin_headers)).headers["etag"]
    results = await asyncio.gather(
        *(
            client.patch(
                path,
                json={"variants": [f"Varian {i}"]},
                headers={**admin_headers, "If-Match": etag},
            )
            for i in range(4)
        )
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409, 409, 409], [r.text for r in results]
    winner = next(r for r in results if r.status_code == 200).json()
    stored = (await client.get(path, headers=admin_headers)).json()
    assert stored["variants"] == winner["variants"]
    assert stored["revision"] == winner["revision"]


async def test_cli_exports_the_csv_the_import_reads(
    client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    await _import(client, admin_headers, articles=[{**ARTICLES[1], "translations": EN}])
    env = {"ROUTER_DATABASE_URL": database_url, "ROUTER_ADMIN_TOKEN": "x"}
    result = await asyncio.to_thread(run_router, "kb", "export", "--format", "csv", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("\ufeffslug,question,")
    assert "How do I get a refund?" in result.stdout
    path = tmp_path / "kb.csv"
    path.write_text(result.stdout, encoding="utf-8", newline="")
    again = await asyncio.to_thread(run_router, "kb", "import", str(path), env=env)
    assert again.returncode == 0, again.stderr
    assert '"unchanged":1' in again.stdout
    assert '"updated":0' in again.stdout
