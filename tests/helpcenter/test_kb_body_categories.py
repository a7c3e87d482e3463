"""Article bodies through the KB API, import and export (JSON and CSV), and the categories
API the help center shows."""

from __future__ import annotations

import httpx

from tests.helpcenter.conftest import ARTICLES

BODY = '## Cara\n\n- satu\n- dua, "kutip"\n\n    kode\n\n| a | b |\n|---|---|\n| 1 | 2 |'


async def test_body_round_trips_through_json_and_csv(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    articles = [{**ARTICLES[1], "body": BODY}]
    r = await client.post("/api/v1/kb/import", json={"articles": articles}, headers=admin_headers)
    assert r.json()["created"] == 1
    got = await client.get("/api/v1/kb/articles/pengembalian-dana", headers=admin_headers)
    assert got.json()["body"] == BODY
    exported = (await client.get("/api/v1/kb/export", headers=admin_headers)).json()
    assert exported["articles"][0]["body"] == BODY
    again = await client.post("/api/v1/kb/import", json=exported, headers=admin_headers)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 1, "deleted": 0}
    csv = await client.get("/api/v1/kb/export", params={"format": "csv"}, headers=admin_headers)
    assert "body" in csv.text.splitlines()[0].split(",")
    back = await client.post(
        "/api/v1/kb/import",
        content=csv.content,
        headers={**admin_headers, "content-type": "text/csv"},
    )
    assert back.json() == {"created": 0, "updated": 0, "unchanged": 1, "deleted": 0}


async def test_body_is_optional_and_cleared_by_blank(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    r = await client.post(
        "/api/v1/kb/articles",
        json={"slug": "baru", "question": "Tanya?", "answer": "Jawab."},
        headers=admin_headers,
    )
    assert r.status_code == 201
    assert r.json()["body"] is None
    r = await client.patch(
        "/api/v1/kb/articles/baru", json={"body": "# Judul\r\n\r\nIsi  \r\n"}, headers=admin_headers
    )
    assert r.json()["body"] == "# Judul\n\nIsi"
    r = await client.patch("/api/v1/kb/articles/baru", json={"body": "  "}, headers=admin_headers)
    assert r.json()["body"] is None
    too_long = await client.patch(
        "/api/v1/kb/articles/baru", json={"body": "x" * 100_001}, headers=admin_headers
    )
    assert too_long.status_code == 422


async def test_categories_are_listed_and_replaced_whole(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await client.post("/api/v1/kb/import", json={"articles": ARTICLES}, headers=admin_headers)
    listed = await client.get("/api/v1/kb/categories", headers=admin_headers)
    # Undescribed categories appear with a name from their slug.
    assert {c["slug"] for c in listed.json()["items"]} == {
        "Akun",
        "Pembayaran",
        "Pengiriman",
        "Arsip",
    }
    body = {
        "items": [
            {"slug": "Pengiriman", "name": "Kirim", "description": "Ongkir", "position": 2},
            {"slug": "Akun", "name": "Akun Saya", "position": 1},
        ]
    }
    r = await client.put("/api/v1/kb/categories", json=body, headers=admin_headers)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [c["slug"] for c in items][:2] == ["Akun", "Pengiriman"]
    assert items[1] == {
        "slug": "Pengiriman",
        "name": "Kirim",
        "description": "Ongkir",
        "position": 2,
        "translations": {},
    }
    # Replaced whole: Akun's description is gone once it is left out.
    r = await client.put(
        "/api/v1/kb/categories", json={"items": [body["items"][1]]}, headers=admin_headers
    )
    kirim = next(c for c in r.json()["items"] if c["slug"] == "Pengiriman")
    assert kirim["name"] == "Pengiriman"
    assert kirim["description"] is None
    twice = {"items": [body["items"][1], body["items"][1]]}
    dup = await client.put("/api/v1/kb/categories", json=twice, headers=admin_headers)
    assert dup.status_code == 422
    assert (await client.get("/api/v1/kb/categories")).status_code == 401


async def test_preview_renders_like_the_help_center(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    r = await client.post(
        "/api/v1/kb/preview",
        json={"body": "# Judul\n\n<script>x()</script> [a](javascript:y())"},
        headers=admin_headers,
    )
    assert r.status_code == 200
    html = r.json()["html"]
    assert html.startswith("<h2>Judul</h2>")
    assert "<script" not in html
    assert 'href="javascript' not in html
