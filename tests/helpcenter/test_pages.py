"""The help pages as a reader and a search engine get them: content, languages, links,
sitemap, 404s, sanitised Markdown and the page cache's ETag."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from app.config import Settings
from tests.conftest import make_settings
from tests.helpcenter.conftest import BROWSER

pytestmark = pytest.mark.usefixtures("kb")
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _hooks(html: str, hook: str) -> int:
    return html.count(f'data-test="{hook}"')


async def test_home_lists_categories_in_order_and_the_search_form(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/help", headers=BROWSER)
    assert r.status_code == 200
    html = r.text
    assert 'data-test="help-search"' in html
    assert 'name="q"' in html
    # Described categories by position, then the undescribed; the inactive one's is gone.
    names = re.findall(r'data-test="help-category">\s*<strong>([^<]+)</strong>', html)
    assert names == ["Pembayaran &amp; Refund", "Akun Saya", "Pengiriman"]
    assert "Arsip" not in html
    assert _hooks(html, "help-popular") == 1  # the newest articles until some are read


async def test_category_page_lists_its_active_articles_by_clean_url(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/help/c/akun")
    assert r.status_code == 200
    assert _hooks(r.text, "help-article-link") == 1
    assert 'href="/help/a/lupa-kata-sandi"' in r.text
    assert (await client.get("/help/c/arsip")).status_code == 404  # only inactive articles


async def test_article_page_has_seo_tags_and_the_rendered_body(client: httpx.AsyncClient) -> None:
    r = await client.get("/help/a/lupa-kata-sandi")
    assert r.status_code == 200
    html = r.text
    assert "<h1>Saya lupa kata sandi</h1>" in html
    assert '<link rel="canonical" href="http://testserver/help/a/lupa-kata-sandi">' in html
    assert 'hreflang="en" href="http://testserver/help/a/lupa-kata-sandi?lang=en"' in html
    assert '<meta name="description" content="Tekan &#39;Lupa Kata Sandi&#39;' in html
    body = html.split('data-test="help-article-body">')[1].split("</div>")[0]
    assert "<h3>Langkah</h3>" in body
    assert "<strong>Lupa Kata Sandi</strong>" in body
    assert 'href="https://toko.example/bantuan"' in body
    ld = json.loads(html.split('<script type="application/ld+json">')[1].split("</script>")[0])
    assert ld["@type"] == "Article"
    assert ld["headline"] == "Saya lupa kata sandi"
    for hook in ("help-vote-yes", "help-vote-no", "help-escalate"):
        assert _hooks(html, hook) == 1
    assert _hooks(html, "help-whatsapp") == 0  # no public number set


async def test_english_by_query_or_browser_where_translated(client: httpx.AsyncClient) -> None:
    english = await client.get("/help/a/lupa-kata-sandi", params={"lang": "en"})
    assert "<h1>I forgot my password</h1>" in english.text
    assert '<html lang="en">' in english.text
    preferred = await client.get(
        "/help/a/lupa-kata-sandi", headers={"accept-language": "en-US,en;q=0.9"}
    )
    assert "<h1>I forgot my password</h1>" in preferred.text
    assert preferred.headers["vary"] == "Accept-Language"
    # No translation: the Indonesian article, without hreflang alternates.
    untranslated = await client.get("/help/a/ongkir", params={"lang": "en"})
    assert "<h1>Berapa ongkos kirim?</h1>" in untranslated.text
    assert "hreflang" not in untranslated.text.split("</head>")[0]
    faq = json.loads(untranslated.text.split('ld+json">')[1].split("</script>")[0])
    assert faq["@type"] == "FAQPage"


@pytest.mark.parametrize("path", ["/help/a/tidak-ada", "/help/a/lama-tidak-aktif", "/help/c/x"])
async def test_unknown_or_inactive_is_404_with_the_search_box(
    client: httpx.AsyncClient, path: str
) -> None:
    r = await client.get(path)
    assert r.status_code == 404
    assert 'data-test="help-search"' in r.text
    assert r.headers["content-type"].startswith("text/html")


async def test_sitemap_is_valid_xml_with_every_active_page(client: httpx.AsyncClient) -> None:
    r = await client.get("/help/sitemap.xml")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(r.content)
    assert root.tag == f"{SITEMAP}urlset"
    urls = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in root}
    assert set(urls) == {
        "http://testserver/help",
        "http://testserver/help/c/akun",
        "http://testserver/help/c/pembayaran",
        "http://testserver/help/c/pengiriman",
        "http://testserver/help/a/lupa-kata-sandi",
        "http://testserver/help/a/pengembalian-dana",
        "http://testserver/help/a/ongkir",
    }
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", m or "") for m in urls.values()
    )
    robots = await client.get("/robots.txt")
    assert "Sitemap: http://testserver/help/sitemap.xml" in robots.text


async def test_public_url_makes_the_absolute_links(settings: Settings) -> None:
    from app.main import create_app

    app = create_app(
        make_settings(settings.database_url, public_url="https://bantuan.toko.example/")
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://internal:8000") as c:
            page = (await c.get("/help/a/ongkir")).text
            sitemap = (await c.get("/help/sitemap.xml")).text
    assert 'rel="canonical" href="https://bantuan.toko.example/help/a/ongkir"' in page
    assert "<loc>https://bantuan.toko.example/help/a/ongkir</loc>" in sitemap
    assert "internal:8000" not in sitemap


async def test_markdown_renders_inert(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    hostile = (
        "<script>alert(1)</script>\n\n[klik](javascript:alert(2))\n\n"
        '<img src=x onerror="alert(3)">\n\n<a href="#" onclick="alert(4)">x</a>'
    )
    r = await client.patch(
        "/api/v1/kb/articles/ongkir", json={"body": hostile}, headers=admin_headers
    )
    assert r.status_code == 200, r.text
    html = (await client.get("/help/a/ongkir")).text
    body = html.split('data-test="help-article-body">')[1].split("</div>")[0]
    elements = _elements(body)
    assert all(tag not in ("script", "img") for tag, _ in elements)
    for _tag, attributes in elements:
        assert not any(name.startswith("on") for name in attributes)
        assert not (attributes.get("href") or "").lower().startswith("javascript")
    assert "alert(1)" in body  # shown as text, not run


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    found: list[tuple[str, dict[str, str | None]]] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, dict(attrs)))

    Parser().feed(html)
    return found


async def test_article_pages_are_cached_until_the_kb_changes(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    first = await client.get("/help/a/pengembalian-dana")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=60"
    again = await client.get("/help/a/pengembalian-dana", headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    r = await client.patch(
        "/api/v1/kb/articles/pengembalian-dana",
        json={"answer": "Dana kembali dalam 2x24 jam."},
        headers=admin_headers,
    )
    assert r.status_code == 200
    changed = await client.get("/help/a/pengembalian-dana", headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert "2x24 jam" in changed.text
    assert changed.headers["etag"] != etag


async def test_search_page_answers_like_the_bot(client: httpx.AsyncClient) -> None:
    r = await client.get("/help/search", params={"q": "refund kapan masuk kak"}, headers=BROWSER)
    assert r.status_code == 200
    assert _hooks(r.text, "help-answer") == 1
    assert 'href="/help/a/pengembalian-dana"' in r.text.split('data-test="help-answer"')[1]
    assert _hooks(r.text, "help-result") >= 1
    miss = await client.get("/help/search", params={"q": "jadwal gerhana bulan"})
    assert _hooks(miss.text, "help-answer") == 0
    assert _hooks(miss.text, "help-result") == 0
    assert _hooks(miss.text, "help-escalate") == 1


async def test_long_queries_are_cut_not_refused(client: httpx.AsyncClient) -> None:
    long = "refund " * 200
    page = await client.get("/help/search", params={"q": long})
    assert page.status_code == 200
    api = await client.get("/api/v1/help/search", params={"q": long})
    assert api.status_code == 200


async def test_search_api_shape(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/help/search", params={"q": "lupa pasword"}, headers=BROWSER)
    assert r.status_code == 200
    data: dict[str, Any] = r.json()
    assert set(data) == {"decision", "matches", "search_id"}
    assert data["search_id"]
    first = data["matches"][0]
    assert set(first) == {"slug", "question", "url", "snippet"}
    assert first["slug"] == "lupa-kata-sandi"
    assert first["url"] == "http://testserver/help/a/lupa-kata-sandi"
    empty = (await client.get("/api/v1/help/search", params={"q": "  "})).json()
    assert empty == {"decision": "none", "matches": [], "search_id": None}


async def test_whatsapp_link_when_the_number_is_published(settings: Settings) -> None:
    from app.main import create_app

    app = create_app(make_settings(settings.database_url, whatsapp_public_number="+62 812-3456"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            page = (await c.get("/help/a/ongkir")).text
    link = page.split('data-test="help-whatsapp"')[0].rsplit("<a ", 1)[1]
    assert 'href="https://wa.me/628123456?text=' in link
