"""The runtime knowledge base the bot searches: one per process, index rebuilt per KB version.

The index is an in-memory cache of the database. ``refresh`` compares the version stamp in
``kb_state`` (one cheap query) and rebuilds only when it moved, so every replica converges
on the same KB within ``kb_refresh_interval_seconds``; a write in this process refreshes at
once.

With ``kb_semantic`` the sentence encoders' vectors of every phrasing are computed in the
background after each rebuild (``app.kb.embedding``), and searches use them once all are
there; until then they match by words alone, and say so (``SearchResult.model``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.gcpolicy import freeze_long_lived
from app.kb.articles import current_version, list_articles
from app.kb.batching import MicroBatcher
from app.kb.embedding import STORE_RETRY_SECONDS, Embeddings
from app.kb.index import ArticleText, MatchIndex
from app.kb.lookahead import Ahead, Lookahead
from app.kb.matcher import (
    WORDS,
    WORDS_SURE,
    Cosines,
    Match,
    Model,
    Query,
    SearchResult,
    Thresholds,
    answer_threshold,
    decide,
    prepare,
    score,
)
from app.kb.models import Article
from app.kb.semantic import Encoder, SemanticIndex, encoder_text
from app.metrics import MATCHER_DECISIONS

__all__ = ["ArticleCard", "KnowledgeBase", "Match", "SearchResult", "article_text"]

logger = logging.getLogger("app.kb")


@dataclass(frozen=True)
class ArticleCard:
    """What the bot sends when it answers with an article."""

    slug: str
    answer: str
    url: str | None
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def article_text(article: Article) -> ArticleText:
    context = " ".join([article.answer, *(article.tags or []), article.category or ""])
    return ArticleText(article.slug, article.question, tuple(article.variants or ()), context)


class KnowledgeBase:
    def __init__(
        self,
        settings: Settings,
        encoder: Encoder | Sequence[Encoder] | None = None,
        *,
        writer_queue: asyncio.Lock | None = None,
        store_retry_seconds: float = STORE_RETRY_SECONDS,
    ) -> None:
        self._settings = settings
        self._index: MatchIndex | None = None
        self._cards: dict[str, ArticleCard] = {}
        self._version: int | None = None
        self._lock = asyncio.Lock()
        given = [encoder] if encoder is not None and not isinstance(encoder, Sequence) else encoder
        self._embeddings = Embeddings(
            settings,
            given,
            lambda: (self._index, self._version),
            writer_queue=writer_queue,
            store_retry_seconds=store_retry_seconds,
        )
        # Searches' encodings get a thread of their own (the encoders release the GIL in
        # their matrix products), so they never wait behind a KB's worth of phrasings; those
        # that arrive while one runs are encoded together (app.kb.batching).
        self._encoding: MicroBatcher[_Encoding, list[Cosines]] = MicroBatcher(
            _cosines, thread_name="kb-encode-query"
        )
        self._ahead = Lookahead()

    @property
    def version(self) -> int | None:
        """The KB version the current index was built from (None before the first build)."""
        return self._version

    @property
    def article_count(self) -> int:
        """Active articles in the current index (0 before the first build)."""
        return len(self._cards)

    @property
    def semantic_ready(self) -> bool:
        """True when searches use the sentence encoders (their vectors match the current
        index)."""
        return self._embeddings.ready(self._index) is not None

    def status(self) -> dict[str, Any]:
        """The KB this process searches, and how far each encoder's vectors of it are: the
        shape of ``GET /api/v1/kb/status``. ``semantic_ready`` is true once every phrasing
        has a vector of every encoder in use (also when none is in use)."""
        index, embeddings = self._index, self._embeddings
        return {
            "version": self._version,
            "articles": len(index.articles) if index is not None else 0,
            "phrasings": index.size if index is not None else 0,
            # Before the encoders are loaded nobody knows whether there will be any.
            "semantic_ready": embeddings.loaded
            and (not embeddings.encoders or self.semantic_ready),
            "models": embeddings.progress(index),
        }

    def thresholds(self, model: Model = WORDS) -> Thresholds:
        """The decision thresholds for a search scored by ``model``."""
        return Thresholds(
            answer=answer_threshold(self._settings.kb_answer_threshold, model),
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
            cards = {
                a.slug: ArticleCard(a.slug, a.answer, a.url, a.translations or {}) for a in articles
            }
            self._index, self._cards, self._version = index, cards, version
            self._embeddings.start(index, session.bind)
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

    async def wait_semantic(self) -> bool:
        """Wait for the background embedding of the current index; whether searches use it."""
        await self._embeddings.wait()
        return self.semantic_ready

    async def close(self) -> None:
        """Stop background embedding and the encoder threads."""
        await self._embeddings.close()
        self._ahead.clear()
        await self._encoding.close()

    def card(self, slug: str) -> ArticleCard | None:
        """The answer of an article the index holds, from memory (same KB version as the
        search that found it, so no query is needed to answer with it)."""
        return self._cards.get(slug)

    def prefetch(self, texts: Sequence[str]) -> None:
        """Start the encoder on messages about to be searched (a batch of the inbox, which
        the engine then handles one by one): their encodings go in one batch instead of one
        at a time. Each ``search`` of one of these texts takes its result."""
        index, semantic = self._index, self._embeddings.ready(self._index)
        if index is None or semantic is None:
            return
        for text in texts:
            query, scored, encoding = self._by_words(index, semantic, text)
            task = asyncio.ensure_future(self._encoding.submit(encoding)) if encoding else None
            self._ahead.add(text, Ahead(index, query, scored, task))

    def _by_words(
        self, index: MatchIndex, semantic: list[SemanticIndex] | None, text: str
    ) -> tuple[Query | None, list[tuple[int, float]], _Encoding | None]:
        """The message prepared (once: the encoders' score needs it again), its score by
        words alone (0.2 ms), and what to encode if the words are unsure."""
        query = prepare(index, text)
        scored = score(index, text, query=query)
        words_sure = bool(scored) and scored[0][1] >= max(WORDS_SURE, self.thresholds().answer)
        if words_sure or semantic is None or query is None:  # None: no content word to embed
            return query, scored, None
        encoding = (self._embeddings.encoders, tuple(semantic), encoder_text(index, text))
        return query, scored, encoding

    async def search(
        self, session: AsyncSession, text: str, limit: int = 3, *, count: bool = True
    ) -> SearchResult:
        """``count=False``: not a customer's message (a coverage report), left out of the
        matcher's decision metrics."""
        if self._index is None:
            await self.refresh(session)
        index, embeddings = self._index, self._embeddings
        semantic = embeddings.ready(index)
        assert index is not None
        model = WORDS
        ahead = self._ahead.take(text, index) if semantic is not None else None
        pending: Awaitable[list[Cosines]] | None
        if ahead is not None:
            query, scored, pending = ahead.query, ahead.scored, ahead.cosines
        else:
            query, scored, encoding = self._by_words(index, semantic, text)
            pending = self._encoding.submit(encoding) if encoding else None
        if pending is not None:
            cosines = await pending
            model = embeddings.model
            scored = score(index, text, model, cosines, query=query)
        result = decide(
            index,
            scored,
            self.thresholds(model),
            limit=max(1, min(limit, 10)),
            model="encoder" if model.encoders else "words",
        )
        if count:
            MATCHER_DECISIONS.labels(result.decision, result.model).inc()
        return result

    async def get_article(self, session: AsyncSession, slug: str) -> Article | None:
        """The active article with this slug, or None."""
        return await session.scalar(
            select(Article).where(Article.slug == slug, Article.active.is_(True))
        )


# What a search asks of the encoders: with which encoders and their KB vectors, which text.
_Encoding = tuple[tuple[Encoder, ...], tuple[SemanticIndex, ...], str]


def _cosines(batch: list[_Encoding]) -> list[list[Cosines]]:
    """Per search, per encoder, the cosine of its text to each article's closest phrasing:
    one ``encode`` per encoder for the texts of searches of the same KB (usually all)."""
    out: dict[int, list[Cosines]] = {}
    groups: dict[tuple[int, ...], list[int]] = {}
    for at, (encoders, semantic, _) in enumerate(batch):
        groups.setdefault((*map(id, encoders), *map(id, semantic)), []).append(at)
    for members in groups.values():
        encoders, semantic, _ = batch[members[0]]
        texts = [batch[at][2] for at in members]
        for encoder, index in zip(encoders, semantic, strict=True):
            vectors = encoder.encode(texts)
            for at, vector in zip(members, vectors, strict=True):
                out.setdefault(at, []).append(index.article_cosines(vector))
    return [out[at] for at in range(len(batch))]
