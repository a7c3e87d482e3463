"""The help center's public pages (``/help``...), its sitemap and ``/robots.txt``.

Article, category and home pages are rendered once per KB version and language and then
served from memory with an ETag (``app.helpcenter.cache``); a view is counted by the page's
own script posting an event, so serving a page never writes to the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import utcnow
from app.helpcenter import content, pages
from app.helpcenter.cache import Page
from app.helpcenter.runtime import HelpCenter
from app.helpcenter.search import search
from app.helpcenter.texts import requested_language
from app.json_body import JSONRoute
from app.routers.static_files import asset_response

router = APIRouter(tags=["help"], include_in_schema=False, route_class=JSONRoute)

STATIC = files("app.helpcenter") / "static"
ASSETS = {"help.css": "text/css; charset=utf-8", "help.js": "text/javascript; charset=utf-8"}
HTML = "text/html; charset=utf-8"
# Pages show editors' Markdown (sanitised anyway) and search words: only our own scripts
# run. Inline styles are allowed for the chat widget's shadow root.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "connect-src 'self'; img-src * data:; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
# Browsers and proxies keep a page a minute, then revalidate with the ETag (a 304 when the
# KB did not change); the home page's most-read list is refreshed this often too.
CACHE_CONTROL = "public, max-age=60"
HOME_TTL_SECONDS = 300.0


@asynccontextmanager
async def reading(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for the reads of a cache miss (or a search whose index is not built yet).
    Not ``SessionDep``: on SQLite that one holds the writer queue for the whole request, so
    every page would wait behind every write, and a cached page needs no database at all.
    A session connects on its first query only; nothing here writes."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        yield session


def help_center_of(request: Request) -> HelpCenter:
    help: HelpCenter = request.app.state.help
    return help


def site_of(request: Request) -> pages.Site:
    settings: Settings = request.app.state.settings
    base = settings.public_url.strip().rstrip("/") or str(request.base_url).rstrip("/")
    number = "".join(ch for ch in settings.whatsapp_public_number if ch.isdigit())
    return pages.Site(base_url=base, whatsapp_number=number)


def _lang(request: Request) -> str:
    return requested_language(
        request.query_params.get("lang"), request.headers.get("accept-language")
    )


def _send(request: Request, page: Page, media_type: str = HTML) -> Response:
    headers = {
        **SECURITY_HEADERS,
        "ETag": page.etag,
        "Cache-Control": CACHE_CONTROL if page.status == 200 else "no-cache",
    }
    if "lang" not in request.query_params:
        headers["Vary"] = "Accept-Language"
    if page.status == 200 and page.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(page.body, status_code=page.status, media_type=media_type, headers=headers)


def _not_found(request: Request, site: pages.Site, lang: str) -> Response:
    page = help_center_of(request).cache.put(
        ("404", site.base_url, lang), None, pages.not_found(site, lang), status=404
    )
    return _send(request, page)


def _version(request: Request) -> int | None:
    version: int | None = request.app.state.kb.version
    return version


@router.get("/help")
async def help_home(request: Request) -> Response:
    site, lang, cache = site_of(request), _lang(request), help_center_of(request).cache
    key = ("home", site.base_url, lang)
    page = cache.get(key, _version(request))
    if page is None:
        async with reading(request) as session:
            categories = await content.categories(session, lang)
            popular = await content.popular(session, lang, now=utcnow())
        html = pages.home(site, lang, categories, popular)
        page = cache.put(key, _version(request), html, ttl=HOME_TTL_SECONDS)
    return _send(request, page)


@router.get("/help/c/{slug}")
async def help_category(slug: str, request: Request) -> Response:
    site, lang, cache = site_of(request), _lang(request), help_center_of(request).cache
    key = ("category", site.base_url, lang, slug)
    page = cache.get(key, _version(request))
    if page is None:
        async with reading(request) as session:
            item = await content.category(session, slug, lang)
            if item is None:
                return _not_found(request, site, lang)
            articles = await content.category_articles(session, item.slug, lang)
        page = cache.put(key, _version(request), pages.category(site, lang, item, articles))
    return _send(request, page)


@router.get("/help/a/{slug}")
async def help_article(slug: str, request: Request) -> Response:
    site, lang, cache = site_of(request), _lang(request), help_center_of(request).cache
    key = ("article", site.base_url, lang, slug)
    page = cache.get(key, _version(request))
    if page is None:
        async with reading(request) as session:
            article = await content.article(session, slug)
            if article is None:
                return _not_found(request, site, lang)
            lang = pages.article_language(article, lang)
            in_category = (
                await content.category(session, article.category, lang)
                if article.category
                else None
            )
        html = pages.article(site, lang, article, in_category)
        page = cache.put(key, _version(request), html)
    return _send(request, page)


@router.get("/help/search")
async def help_search(request: Request, q: str = "") -> Response:
    site, lang, help = site_of(request), _lang(request), help_center_of(request)
    now = utcnow()
    visitor = help.visitor(
        at=now,
        client_id=None,
        ip=request.client.host if request.client else "",
        user_agent=request.headers.get("user-agent"),
    )
    async with reading(request) as session:
        found = await search(
            request.app.state.kb,
            session,
            q,
            lang=lang,
            base_url=site.base_url,
            activity=help.activity,
            visitor=visitor,
            now=now,
            cache=help.searches,
        )
    html = pages.search(site, lang, found)
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-store"}
    return Response(html, media_type=HTML, headers=headers)


@router.get("/help/sitemap.xml")
async def help_sitemap(request: Request) -> Response:
    site, cache = site_of(request), help_center_of(request).cache
    key = ("sitemap", site.base_url)
    page = cache.get(key, _version(request))
    if page is None:
        async with reading(request) as session:
            categories = await content.categories(session, "id")
            xml = pages.sitemap(site, categories, await content.sitemap_entries(session))
        page = cache.put(key, _version(request), xml)
    return _send(request, page, "application/xml; charset=utf-8")


@router.get("/robots.txt")
async def robots(request: Request) -> Response:
    return Response(
        pages.robots(site_of(request)),
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/help/static/{name}")
async def help_asset(name: str) -> Response:
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=300"}
    return asset_response(STATIC, ASSETS, name, headers, page="help")
