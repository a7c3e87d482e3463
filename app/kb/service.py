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
import itertools
import logging
import time
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
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
from app.kb.offtopic import OffTopic, declines
from app.kb.semantic import Encoder, SemanticIndex, encoder_text
from app.metrics import MATCHER_DECISIONS

__all__ = ["ArticleCard", "KnowledgeBase", "Match", "SearchResult", "article_text"]

logger = logging.getLogger("app.kb")

# Questions per encoder call in a batch search: large enough to share the call's overhead
# (USE batches 4x faster per text), small enough that a stop or a progress report is near.
ENCODE_BATCH = 64


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
        # Answer thresholds chosen for this KB by app.calibration, per encoder setup (() for
        # words alone); the fitted defaults until one is persisted. Read per search: a dict.
        self.calibrated: dict[tuple[str, ...], float] = {}
        # Questions customers asked that no article answers (app.kb.offtopic), set by
        # app.calibration.off_topic; None: none learned yet. Read per search.
        self.off_topic: OffTopic | None = None

    @property
    def version(self) -> int | None:
        """The KB version the current index was built from (None before the first build)."""
        return self._version

    @property
    def article_count(self) -> int:
        """Active articles in the current index (0 before the first build)."""
        return len(self._cards)

    @property
    def encoders(self) -> tuple[Encoder, ...]:
        """The sentence encoders this KB searches with (none: words alone, or not loaded yet).
        Assist compares past customer questions with the same ones."""
        return self._embeddings.encoders

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
        configured = self._settings.kb_answer_threshold
        if configured is None:
            configured = self.calibrated.get(model.encoders)
        return Thresholds(
            answer=answer_threshold(configured, model),
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
        if self._index is None or self._embeddings.ready(self._index) is None:
            return
        batch = self._batch()
        for text in texts:
            pending = batch.by_words(text)
            task = (
                asyncio.ensure_future(self._encoding.submit((batch, pending)))
                if pending.encoder_text is not None
                else None
            )
            self._ahead.add(text, Ahead(batch.index, pending.query, pending.scored, task))

    async def search(
        self, session: AsyncSession, text: str, limit: int = 3, *, count: bool = True
    ) -> SearchResult:
        """``count=False``: not a customer's message (a coverage report), left out of the
        matcher's decision metrics."""
        if self._index is None:
            await self.refresh(session)
        batch = self._batch()
        ahead = self._ahead.take(text, batch.index) if batch.semantic is not None else None
        cosines: Awaitable[list[Cosines]] | None
        if ahead is not None:
            pending = _Pending(0, text, ahead.scored, WORDS, ahead.query, None)
            cosines = ahead.cosines
        else:
            pending = batch.by_words(text)
            # The micro-batcher's thread: a customer's message never waits behind a KB's
            # worth of phrasings, nor blocks the event loop.
            cosines = self._encoding.submit((batch, pending)) if pending.encoder_text else None
        if cosines is not None:
            pending = batch.with_cosines(pending, await cosines)
        result = batch.decide(pending, limit)
        if count:
            MATCHER_DECISIONS.labels(result.decision, result.model).inc()
        return result

    def search_batch(
        self, texts: Sequence[str], limit: int = 3, *, encode_batch: int = ENCODE_BATCH
    ) -> list[SearchResult]:
        """``search`` of many texts (a coverage report), in the calling thread: CPU for a
        while, so call it in a worker thread. By words first for all; the texts the words are
        not sure of go to the encoders ``encode_batch`` at a time (one encoder call per
        batch), each distinct encoder text once. The same steps as ``search``, so the same
        results; not counted in the decision metrics. The index must have been built
        (``refresh``)."""
        batch = self._batch()
        distinct = list(dict.fromkeys(texts))
        pending = [batch.by_words(text) for text in distinct]
        asking = [p for p in pending if p.encoder_text is not None]
        for start in range(0, len(asking), encode_batch):
            for done in batch.with_encoders(asking[start : start + encode_batch]):
                pending[done.position] = done
        results = {text: batch.decide(p, limit) for text, p in zip(distinct, pending, strict=True)}
        return [results[text] for text in texts]

    def snapshot(self) -> _Search:
        """The current index, its encoders' vectors, model and thresholds (for the
        calibration's leave-one-out). The index must have been built (``refresh``)."""
        return self._batch()

    def _batch(self) -> _Search:
        """The current index, its vectors and thresholds, fixed for one search or batch."""
        index = self._index
        if index is None:
            raise RuntimeError("the KB index is not built yet (refresh first)")
        embeddings = self._embeddings
        off_topic = self.off_topic
        if off_topic is not None and off_topic.encoders != embeddings.model.encoders:
            off_topic = None  # made with other encoders: the next refresh makes new ones
        return _Search(
            index,
            embeddings.ready(index),
            embeddings.encoders,
            embeddings.model,
            self.thresholds(),
            self.thresholds(embeddings.model),
            off_topic,
        )

    async def get_article(self, session: AsyncSession, slug: str) -> Article | None:
        """The active article with this slug, or None."""
        return await session.scalar(
            select(Article).where(Article.slug == slug, Article.active.is_(True))
        )


@dataclass(frozen=True)
class _Pending:
    """One text between the words' pass and the decision."""

    position: int  # in its batch
    text: str
    scored: list[tuple[int, float]]
    model: Model
    query: Query | None  # the text prepared once: the encoders' score needs it again
    encoder_text: str | None  # what the encoders still have to read; None: decided by words
    off_topic: bool = False  # closer to a question the KB does not cover: do not answer


@dataclass(frozen=True)
class _Search:
    """The steps of a search on one index snapshot, shared by ``search`` and
    ``search_batch`` so both decide the same way."""

    index: MatchIndex
    semantic: Sequence[SemanticIndex] | None
    encoders: Sequence[Encoder]
    model: Model  # the encoders' fitted model
    words_thresholds: Thresholds
    encoder_thresholds: Thresholds
    off_topic: OffTopic | None = None
    positions: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def snapshot(self) -> tuple[int, ...]:
        """Which index, vectors, encoders and off-topic questions: searches with the same
        one encode together."""
        return (
            id(self.index),
            *map(id, self.semantic or ()),
            *map(id, self.encoders),
            id(self.off_topic),
        )

    def by_words(self, text: str) -> _Pending:
        index = self.index
        query = prepare(index, text)
        scored = score(index, text, query=query)  # by words alone first: 0.2 ms
        sure = bool(scored) and scored[0][1] >= max(WORDS_SURE, self.words_thresholds.answer)
        # No content word (query None): nothing to embed.
        ask = not sure and self.semantic is not None and query is not None
        return _Pending(
            next(self.positions),
            text,
            scored,
            WORDS,
            query,
            encoder_text(index, text) if ask else None,
        )

    def cosines(self, pending: Sequence[_Pending]) -> list[list[Cosines]]:
        """Per text, per encoder, its cosine to each article's closest phrasing: one encoder
        call per encoder for all of ``pending``."""
        assert self.semantic is not None
        texts = [p.encoder_text or "" for p in pending]
        vectors = [encoder.encode(texts) for encoder in self.encoders]
        # After the encoders' article cosines, when off-topic questions are known, one more
        # array per encoder: the closest off-topic question's cosine (``with_cosines``).
        closest = self.off_topic.closest(vectors) if self.off_topic is not None else []
        pairs = list(zip(self.semantic, vectors, strict=True))
        return [
            [
                *(index.article_cosines(v[row]) for index, v in pairs),
                *(np.array([c[row]]) for c in closest),
            ]
            for row in range(len(pending))
        ]

    def with_cosines(self, pending: _Pending, cosines: Sequence[Cosines]) -> _Pending:
        """Rescored with the encoders' evidence."""
        assert self.semantic is not None
        articles, off_topic = cosines[: len(self.semantic)], cosines[len(self.semantic) :]
        scored = score(self.index, pending.text, self.model, articles, query=pending.query)
        declined = (
            bool(off_topic)
            and bool(scored)
            and declines(
                [float(c[0]) for c in off_topic], [float(c[scored[0][0]]) for c in articles]
            )
        )
        return _Pending(
            pending.position, pending.text, scored, self.model, pending.query, None, declined
        )

    def with_encoders(self, pending: Sequence[_Pending]) -> list[_Pending]:
        """``pending`` rescored with one encoder call per encoder."""
        return [
            self.with_cosines(p, c) for p, c in zip(pending, self.cosines(pending), strict=True)
        ]

    def decide(self, pending: _Pending, limit: int) -> SearchResult:
        by_encoders = bool(pending.model.encoders)
        result = decide(
            self.index,
            pending.scored,
            self.encoder_thresholds if by_encoders else self.words_thresholds,
            limit=max(1, min(limit, 10)),
            model="encoder" if by_encoders else "words",
        )
        if pending.off_topic and result.decision == "answer":
            return SearchResult("suggest", result.matches, result.model)
        return result


# What a live search asks of the encoders: its KB snapshot and its text between the passes.
_Encoding = tuple[_Search, _Pending]


def _cosines(batch: list[_Encoding]) -> list[list[Cosines]]:
    """The micro-batcher's work: per search, per encoder, the cosines of its text; one
    ``encode`` per encoder for the searches of the same KB snapshot (usually all)."""
    out: dict[int, list[Cosines]] = {}
    groups: dict[tuple[int, ...], list[int]] = {}
    for at, (search, _) in enumerate(batch):
        groups.setdefault(search.snapshot, []).append(at)
    for members in groups.values():
        search = batch[members[0]][0]
        for at, cosines in zip(
            members, search.cosines([batch[at][1] for at in members]), strict=True
        ):
            out[at] = cosines
    return [out[at] for at in range(len(batch))]
