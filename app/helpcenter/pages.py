"""The help pages as HTML: what each shows (``content``), in its language, rendered by
Jinja2 with autoescape; Markdown bodies through ``render`` (sanitised)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.helpcenter import content
from app.helpcenter.render import plain_text, render_answer, render_markdown, snippet
from app.helpcenter.search import HelpSearch
from app.helpcenter.texts import TEXTS
from app.kb.models import Article

_TEMPLATES = Path(__file__).resolve().parent / "templates"
ENV = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(["html", "xml"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@dataclass(frozen=True)
class Site:
    """Where the pages live and what a visitor may contact."""

    base_url: str  # ROUTER_PUBLIC_URL or the request's own origin, no trailing slash
    whatsapp_number: str  # digits only; "" when not published


def _json_ld(data: dict[str, Any]) -> str:
    # "<" escaped: a "</script>" inside an answer cannot end the script element.
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def _common(site: Site, lang: str, path: str, *, translated: bool = True) -> dict[str, Any]:
    """What every page needs: texts, canonical URL, hreflang alternates, language switch."""
    base = f"{site.base_url}{path}"
    en = f"{base}{'&' if '?' in path else '?'}lang=en"
    alternates = [("id", base), ("en", en), ("x-default", base)] if translated else []
    return {
        "lang": lang,
        "t": TEXTS[lang],
        "lang_query": "?lang=en" if lang == "en" else "",
        "canonical": en if lang == "en" else base,
        "alternates": alternates,
        # Explicit both ways: the browser's preference would otherwise choose again.
        "switch_url": f"{path}{'&' if '?' in path else '?'}lang={'id' if lang == 'en' else 'en'}"
        if translated
        else None,
        "whatsapp_url": _whatsapp(site, lang),
        "jsonld": None,
        "noindex": False,
    }


def _whatsapp(site: Site, lang: str) -> str | None:
    if not site.whatsapp_number:
        return None
    greeting = "Halo, saya butuh bantuan" if lang == "id" else "Hello, I need help"
    return f"https://wa.me/{site.whatsapp_number}?text={quote(greeting)}"


def render(template: str, **context: Any) -> str:
    return ENV.get_template(template).render(**context)


def home(
    site: Site, lang: str, categories: list[content.Category], popular: list[content.ArticleLink]
) -> str:
    t = TEXTS[lang]
    return render(
        "home.html",
        **_common(site, lang, "/help"),
        title=t["tagline"],
        description=t["tagline"],
        categories=categories,
        popular=popular,
        query="",
    )


def category(
    site: Site, lang: str, item: content.Category, articles: list[content.ArticleLink]
) -> str:
    return render(
        "category.html",
        **_common(site, lang, f"/help/c/{item.url_slug}"),
        title=item.name,
        description=snippet(item.description or ", ".join(a.question for a in articles[:5])),
        category=item,
        articles=articles,
        query="",
    )


def article_language(article: Article, lang: str) -> str:
    """English only where the article has a translation."""
    return "en" if lang == "en" and (article.translations or {}).get("en") else "id"


def article(site: Site, lang: str, item: Article, category_item: content.Category | None) -> str:
    translation = (item.translations or {}).get(lang) if lang != "id" else None
    question = (translation or {}).get("question") or item.question
    answer = (translation or {}).get("answer") or item.answer
    # The Indonesian page shows the long form when there is one; a translation has none.
    body_html = (
        render_markdown(item.body) if item.body and not translation else render_answer(answer)
    )
    common = _common(site, lang, f"/help/a/{item.slug}", translated=bool(item.translations))
    description = snippet(plain_text(render_answer(answer)))
    kind = "Article" if item.body else "FAQPage"
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": kind, "inLanguage": lang}
    if kind == "Article":
        data |= {
            "headline": question[:110],
            "description": description,
            "dateModified": item.updated_at.isoformat(),
            "datePublished": item.created_at.isoformat(),
            "mainEntityOfPage": common["canonical"],
        }
    else:
        data["mainEntity"] = [
            {
                "@type": "Question",
                "name": question,
                "acceptedAnswer": {"@type": "Answer", "text": answer},
            }
        ]
    return render(
        "article.html",
        **{**common, "jsonld": _json_ld(data)},
        title=question,
        description=description,
        slug=item.slug,
        question=question,
        body_html=body_html,
        category=category_item,
        updated_iso=item.updated_at.isoformat(),
        updated_date=item.updated_at.date().isoformat(),
        query="",
    )


def search(site: Site, lang: str, found: HelpSearch) -> str:
    t = TEXTS[lang]
    answer = found.hits[0] if found.decision == "answer" and found.hits else None
    path = "/help/search" + (f"?q={quote(found.query)}" if found.query else "")
    return render(
        "search.html",
        **{**_common(site, lang, path), "noindex": True},
        title=f"{t['results_for']} {found.query}" if found.query else t["search_button"],
        description=t["tagline"],
        query=found.query,
        search_id=found.search_id,
        answer=answer,
        answer_html=render_answer(answer.answer) if answer else "",
        hits=found.hits,
    )


def not_found(site: Site, lang: str) -> str:
    t = TEXTS[lang]
    return render(
        "not_found.html",
        **{**_common(site, lang, "/help", translated=False), "noindex": True},
        title=t["not_found"],
        description=t["not_found_hint"],
        query="",
    )


def sitemap(
    site: Site, categories: list[content.Category], articles: list[tuple[str, datetime]]
) -> str:
    """Every active article and category, with ``lastmod`` (a category's: its newest
    article's)."""
    base = escape(site.base_url)
    newest = max((updated for _, updated in articles), default=None)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    if newest is not None:
        lines.append(f"<url><loc>{base}/help</loc><lastmod>{_w3c(newest)}</lastmod></url>")
    for item in categories:
        lines.append(
            f"<url><loc>{base}/help/c/{item.url_slug}</loc>"
            f"<lastmod>{_w3c(item.updated_at)}</lastmod></url>"
        )
    for slug, updated in articles:
        lines.append(
            f"<url><loc>{base}/help/a/{slug}</loc><lastmod>{_w3c(updated)}</lastmod></url>"
        )
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def _w3c(at: datetime) -> str:
    # UTC (the column's values are): "2026-12-07T22:44:07+00:00"; isoformat is several
    # times cheaper than strftime, which counts over 10,000 articles.
    return at.isoformat(timespec="seconds")


def robots(site: Site) -> str:
    return (
        "User-agent: *\nAllow: /help\nDisallow: /help/search\nDisallow: /api/\n"
        f"\nSitemap: {site.base_url}/help/sitemap.xml\n"
    )
