"""What the help pages read from the KB: only active articles, only the columns a page
shows (a category page or the sitemap over 10,000 articles stays one light query)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.helpcenter.models import HelpEvent
from app.kb.categories import CategoryOut, list_categories
from app.kb.models import Article

ACTIVE = Article.active.is_(True)


@dataclass(frozen=True)
class ArticleLink:
    slug: str
    question: str
    updated_at: datetime


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def url_slug(category: str) -> str:
    """A category as a clean URL part: "Cara Bayar" -> "cara-bayar"."""
    folded = unicodedata.normalize("NFKD", category).encode("ascii", "ignore").decode().lower()
    return _NOT_SLUG.sub("-", folded).strip("-") or "kategori"


@dataclass(frozen=True)
class Category:
    slug: str  # as articles name it
    name: str
    description: str | None
    count: int  # active articles in it
    updated_at: datetime  # its newest article's (the sitemap's lastmod)

    @property
    def url_slug(self) -> str:
        return url_slug(self.slug)


def _translated(translations: dict[str, dict[str, str]] | None, lang: str, key: str) -> str | None:
    value = ((translations or {}).get(lang) or {}).get(key)
    return value or None


def category_of(item: CategoryOut, lang: str, count: int, updated_at: datetime) -> Category:
    translations: dict[str, dict[str, str]] = {
        k: {f: v for f, v in t.items() if v} for k, t in item.translations.items()
    }
    return Category(
        slug=item.slug,
        name=_translated(translations, lang, "name") or item.name,
        description=_translated(translations, lang, "description") or item.description,
        count=count,
        updated_at=updated_at,
    )


async def categories(session: AsyncSession, lang: str) -> list[Category]:
    """Categories with at least one active article, in the editors' order."""
    counts = {
        slug: (int(n), updated)
        for slug, n, updated in await session.execute(
            select(Article.category, func.count(), func.max(Article.updated_at))
            .where(ACTIVE)
            .group_by(Article.category)
        )
        if slug
    }
    return [
        category_of(item, lang, *counts[item.slug])
        for item in await list_categories(session)
        if item.slug in counts
    ]


async def category(session: AsyncSession, slug: str, lang: str) -> Category | None:
    """The category with this URL slug (or exactly this name)."""
    for item in await categories(session, lang):
        if item.url_slug == slug or item.slug == slug:
            return item
    return None


async def category_articles(session: AsyncSession, slug: str, lang: str) -> list[ArticleLink]:
    rows = await session.execute(
        select(Article.slug, Article.question, Article.translations, Article.updated_at)
        .where(ACTIVE, Article.category == slug)
        .order_by(Article.question)
    )
    return [ArticleLink(s, _translated(t, lang, "question") or q, u) for s, q, t, u in rows]


async def article(session: AsyncSession, slug: str) -> Article | None:
    return await session.scalar(select(Article).where(Article.slug == slug, ACTIVE))


async def sitemap_entries(session: AsyncSession) -> list[tuple[str, datetime]]:
    rows = await session.execute(select(Article.slug, Article.updated_at).where(ACTIVE))
    return [(slug, updated) for slug, updated in rows]


async def popular(
    session: AsyncSession, lang: str, *, now: datetime, days: int = 30, limit: int = 8
) -> list[ArticleLink]:
    """The most viewed active articles of the last ``days``."""
    views = (
        select(HelpEvent.slug, func.count().label("views"))
        .where(HelpEvent.type == "view", HelpEvent.at >= now - timedelta(days=days))
        .group_by(HelpEvent.slug)
        .subquery()
    )
    rows = await session.execute(
        select(Article.slug, Article.question, Article.translations, Article.updated_at)
        .join(views, views.c.slug == Article.slug)
        .where(ACTIVE)
        .order_by(views.c.views.desc(), Article.slug)
        .limit(limit)
    )
    found = [ArticleLink(s, _translated(t, lang, "question") or q, u) for s, q, t, u in rows]
    if found:
        return found
    # Nothing read yet (a new help center): the newest articles instead of an empty list.
    rows = await session.execute(
        select(Article.slug, Article.question, Article.translations, Article.updated_at)
        .where(ACTIVE)
        .order_by(Article.updated_at.desc(), Article.slug)
        .limit(limit)
    )
    return [ArticleLink(s, _translated(t, lang, "question") or q, u) for s, q, t, u in rows]
