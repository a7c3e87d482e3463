"""The runtime knowledge base the bot searches: one per process, index rebuilt per KB version.

The index is an in-memory cache of the database. ``refresh`` compares the version stamp in
``kb_state`` (one cheap query) and rebuilds only when it moved, so every replica converges
on the same KB within ``kb_refresh_interval_seconds``; a write in this process refreshes at
once.

With ``kb_semantic`` the sentence encoder's vectors of every phrasing are computed in the
background after each rebuild (only phrasings not seen before: about 18 ms each), and
searches use them once all are there; until then they match by words alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, TypeVar

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.config import Settings
from app.gcpolicy import freeze_long_lived
from app.kb.articles import current_version, list_articles
from app.kb.index import ArticleText, MatchIndex
from app.kb.matcher import (
    WORDS_SURE,
    Match,
    SearchResult,
    Thresholds,
    answer_threshold,
    decide,
    prepare,
    score,
)
from app.kb.models import Article
from app.kb.semantic import Encoder, SemanticIndex, Vectors, encoder_text, entry_texts, load_encoder
from app.kb.vectors import load_vectors, prune_vectors, save_vectors
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


EMBED_BATCH = 16  # phrasings per encoder call in the background: small, so a stop is quick
P = ParamSpec("P")
T = TypeVar("T")
# Phrasings per look-up and write in the shared store. Small: processes embedding the same
# KB at once only duplicate what both hold in hand between a look-up and a write (with 256,
# two `router serve` processes embedded 1.5x the phrasings between them; with 32, 1.1x), and
# progress survives a stop. A look-up and a write per 32 phrasings (about 0.5 s of encoder
# time) costs the database little.
SAVE_BATCH = 32
# After the vector store fails (a failover, a restart), it is left alone this long, then asked
# again: not at every batch while it is down, nor given up on for a run that lasts minutes.
STORE_RETRY_SECONDS = 30.0


class KnowledgeBase:
    def __init__(
        self,
        settings: Settings,
        encoder: Encoder | None = None,
        *,
        writer_queue: asyncio.Lock | None = None,
        store_retry_seconds: float = STORE_RETRY_SECONDS,
    ) -> None:
        self._settings = settings
        # SQLite's in-process writer queue (``app.state.sqlite_writer_queue``), None on
        # PostgreSQL: the vector store's transactions wait their turn like the requests'.
        self._writer_queue = writer_queue
        self._index: MatchIndex | None = None
        self._cards: dict[str, ArticleCard] = {}
        self._version: int | None = None
        self._lock = asyncio.Lock()
        self._encoder = encoder
        # An encoder given here is used as it is; otherwise kb_semantic loads the bundled one.
        self._encoder_loaded = encoder is not None or not settings.kb_semantic
        self._semantic: SemanticIndex | None = None
        self._vectors: dict[str, Vectors] = {}  # encoder text -> vector, current phrasings
        self._embedding: asyncio.Task[None] | None = None
        self._bind: AsyncEngine | AsyncConnection | None = None  # for the shared vector store
        self._store_retry_seconds = store_retry_seconds
        self._store_failing = False
        self._store_retry_at = 0.0  # time.monotonic() before which the store is not asked
        # Searches and background embedding each get a thread (the encoder is reentrant and
        # releases the GIL), so a search never waits behind a KB's worth of phrasings.
        self._search_thread = ThreadPoolExecutor(1, thread_name_prefix="kb-encode-query")
        self._embed_thread = ThreadPoolExecutor(1, thread_name_prefix="kb-encode-kb")

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
        """True when searches use the sentence encoder (its vectors match the current index)."""
        return self._semantic is not None and self._semantic.index is self._index

    def thresholds(self, semantic: bool = False) -> Thresholds:
        """The decision thresholds for a search scored with or without the encoder."""
        return Thresholds(
            answer=answer_threshold(self._settings.kb_answer_threshold, semantic),
            suggest=self._settings.kb_suggest_threshold,
            margin=self._settings.kb_answer_margin,
        )

    async def refresh(self, session: AsyncSession) -> None:
        """Rebuild the index if the KB version in the database moved since the last build."""
        version = await current_version(session)
        if version == self._version and self._index is not None:
            return
        self._bind = session.bind
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
            self._start_embedding(index)
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

    def _start_embedding(self, index: MatchIndex) -> None:
        if not self._encoder_loaded:
            self._encoder, self._encoder_loaded = load_encoder(), True
        if self._encoder is None:
            return
        if self._embedding is not None:
            self._embedding.cancel()  # an older KB version: its vectors are no longer wanted
        self._embedding = asyncio.create_task(self._embed_or_log(index, self._encoder))

    async def _embed_or_log(self, index: MatchIndex, encoder: Encoder) -> None:
        try:
            await self._embed(index, encoder)
        except Exception:
            # Searches go on by words alone; the next KB change tries again.
            logger.exception("kb semantic index failed")

    async def _embed(self, index: MatchIndex, encoder: Encoder) -> None:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        texts = await loop.run_in_executor(self._embed_thread, entry_texts, index)
        self._store_failing, self._store_retry_at = False, 0.0  # each run tries it again
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        # Processes that embed the same KB at once (`router serve`'s two, replicas after an
        # import) go through it in different orders and skip what another stored meanwhile,
        # so they share the work instead of each doing all of it.
        random.shuffle(missing)
        loaded = embedded = 0
        unsaved: dict[str, Vectors] = {}
        for start in range(0, len(missing), SAVE_BATCH):
            chunk = missing[start : start + SAVE_BATCH]
            stored = await self._shared(load_vectors, encoder.model, chunk) or {}
            self._vectors.update(stored)
            fresh: dict[str, Vectors] = {}
            todo = [t for t in chunk if t not in stored]
            for at in range(0, len(todo), EMBED_BATCH):
                batch = todo[at : at + EMBED_BATCH]
                vectors = await loop.run_in_executor(self._embed_thread, encoder.encode, batch)
                fresh.update(zip(batch, vectors, strict=True))
            # Vectors embedded while the store was down go with the next write that works.
            unsaved.update(fresh)
            if unsaved and await self._shared(save_vectors, encoder.model, unsaved) is not None:
                unsaved = {}
            self._vectors.update(fresh)
            loaded, embedded = loaded + len(stored), embedded + len(fresh)
        if self._index is not index:
            return
        matrix = np.stack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 0))
        self._semantic = SemanticIndex(matrix.astype(np.float32), index)
        self._vectors = {t: self._vectors[t] for t in texts}  # forget removed phrasings
        pruned = await self._shared(self._prune, encoder.model, texts)
        logger.info(
            "kb semantic index ready",
            extra={
                "kb_version": self._version,
                "phrasings": len(texts),
                "loaded": loaded,
                "embedded": embedded,
                "pruned": pruned or 0,
                "seconds": round(time.perf_counter() - started, 3),
            },
        )

    async def _prune(self, session: AsyncSession, model: str, texts: list[str]) -> int:
        # Only while the database is still at this index's version: a replica that is
        # already on a newer KB has stored vectors this one does not know.
        if await current_version(session) != self._version:
            return 0
        return await prune_vectors(session, model, texts)

    async def _shared(
        self,
        operation: Callable[Concatenate[AsyncSession, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T | None:
        """``operation(session, *args)`` on the shared vector store in a transaction of its
        own; None if the database fails or failed less than ``store_retry_seconds`` ago (the
        run embeds without it meanwhile; logged once per outage): the store is a cache,
        searches go on."""
        if self._bind is None or time.monotonic() < self._store_retry_at:
            return None
        try:
            async with (
                self._writer_queue or contextlib.nullcontext(),
                AsyncSession(self._bind, expire_on_commit=False) as session,
            ):
                result = await operation(session, *args, **kwargs)
                await session.commit()
        except (SQLAlchemyError, OSError) as exc:
            if not self._store_failing:
                logger.warning("kb vector store unavailable", extra={"error": str(exc)})
            self._store_failing = True
            self._store_retry_at = time.monotonic() + self._store_retry_seconds
            return None
        if self._store_failing:
            logger.info("kb vector store available again")
            self._store_failing = False
        return result

    async def wait_semantic(self) -> bool:
        """Wait for the background embedding of the current index; whether searches use it."""
        if self._embedding is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._embedding)
        return self.semantic_ready

    async def close(self) -> None:
        """Stop background embedding and the encoder threads."""
        if self._embedding is not None:
            self._embedding.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._embedding
        self._search_thread.shutdown(wait=False, cancel_futures=True)
        self._embed_thread.shutdown(wait=False, cancel_futures=True)

    def card(self, slug: str) -> ArticleCard | None:
        """The answer of an article the index holds, from memory (same KB version as the
        search that found it, so no query is needed to answer with it)."""
        return self._cards.get(slug)

    async def search(
        self, session: AsyncSession, text: str, limit: int = 3, *, count: bool = True
    ) -> SearchResult:
        """``count=False``: not a customer's message (a coverage report), left out of the
        matcher's decision metrics."""
        if self._index is None:
            await self.refresh(session)
        index, semantic = self._index, self._semantic
        assert index is not None
        scored = score(index, text)  # by words alone first: 0.2 ms
        words_sure = bool(scored) and scored[0][1] >= max(WORDS_SURE, self.thresholds().answer)
        cosines = None
        if (
            not words_sure
            and semantic is not None
            and semantic.index is index
            and self._encoder is not None
            and prepare(index, text) is not None  # no content word: nothing to embed
        ):
            query = await asyncio.get_running_loop().run_in_executor(
                self._search_thread, self._encoder.encode, [encoder_text(index, text)]
            )
            cosines = semantic.article_cosines(query[0])
            scored = score(index, text, semantic=cosines)
        result = decide(
            index, scored, self.thresholds(cosines is not None), limit=max(1, min(limit, 10))
        )
        if count:
            MATCHER_DECISIONS.labels(
                result.decision, "words" if cosines is None else "encoder"
            ).inc()
        return result

    async def get_article(self, session: AsyncSession, slug: str) -> Article | None:
        """The active article with this slug, or None."""
        return await session.scalar(
            select(Article).where(Article.slug == slug, Article.active.is_(True))
        )
