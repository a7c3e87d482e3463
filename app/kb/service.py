"""The runtime knowledge base the bot searches: one per process, index rebuilt per KB version.

The index is an in-memory cache of the database. ``refresh`` compares the version stamp in
``kb_state`` (one cheap query) and rebuilds only when it moved, so every replica converges
on the same KB within ``kb_refresh_interval_seconds``; a write in this process refreshes at
once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.gcpolicy import freeze_long_lived
from app.kb.articles import current_version, list_articles
from app.kb.index import ArticleText, MatchIndex
from app.kb.matcher import Match, SearchResult, Thresholds
from app.kb.matcher import search as match
from app.kb.models import Article
from app.metrics import MATCHER_DECISIONS

__all__ = ["ArticleCard", "KnowledgeBase", "Match", "SearchResult", "article_text"]

logger = logging.getLogger("app.kb")


@dataclass(frozen=True)
class ArticleCard:
    """What the bot sends when it answers with an article."""

    slug: str
    answer: str
    url: str | None


def article_text(article: Article) -> ArticleText:
    context = " ".join([article.answer, *(article.tags or []), article.category or ""])
    return ArticleText(article.slug, article.question, tuple(article.variants or ()), context)


class KnowledgeBase:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._index: MatchIndex | None = None
        self._cards: dict[str, ArticleCard] = {}
        self._version: int | None = None
        self._lock = asyncio.Lock()

    @property
    def version(self) -> int | None:
        """The KB version the current index was built from (None before the first build)."""
        return self._version

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(
            answer=self._settings.kb_answer_threshold,
            suggest=self._settings.kb_suggest_threshold,
            margin=self._settings.kb_answer_margin,
        )

    async def refresh(self, session: AsyncSession) -> None:
        """Rebuild the index if the KB version in the database moved since the last build."""
        version = await current_version(session)
        if version == self._version and self._index is not None:
            return
        async with self._lock:
            if version == self._version and self._index is not None:
                return
            # Version first, then articles: a write in between only causes one extra rebuild.
            articles = await list_articles(session, active_only=True)
            texts = [article_text(a) for a in articles]
            started = time.perf_counter()
            index = await asyncio.to_thread(MatchIndex.build, texts)
            cards = {a.slug: ArticleCard(a.slug, a.answer, a.url) for a in articles}
            self._index, self._cards, self._version = index, cards, version
            # The index lives until the next KB change. The old one has no reference cycles,
            # so reference counting frees it even though it was frozen.
            freeze_long_lived()
            logger.info(
                "kb index built",
                extra={
                    "kb_version": version,
                    "articles": len(texts),
                    "seconds": round(time.perf_counter() - started, 3),
                },
            )

    def card(self, slug: str) -> ArticleCard | None:
        """The answer of an article the index holds, from memory (same KB version as the
        search that found it, so no query is needed to answer with it)."""
        return self._cards.get(slug)

    async def search(self, session: AsyncSession, text: str, limit: int = 3) -> SearchResult:
        if self._index is None:
            await self.refresh(session)
        assert self._index is not None
        result = match(self._index, text, self.thresholds, limit=max(1, min(limit, 10)))
        MATCHER_DECISIONS.labels(result.decision).inc()
        return result

    async def get_article(self, session: AsyncSession, slug: str) -> Article | None:
        """The active article with this slug, or None."""
        return await session.scalar(
            select(Article).where(Article.slug == slug, Article.active.is_(True))
        )
