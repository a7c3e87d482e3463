"""The sentence encoders' side of the knowledge base: each encoder's vectors of the current
KB's phrasings, computed in the background after every rebuild (only texts not seen before)
and shared with other processes through the database (``app.kb.vectors``).

Searches use the encoders once every phrasing has a vector of every encoder in use; until
then they match by words alone, and ``progress`` says how far each encoder is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Concatenate, ParamSpec, TypeVar

import numpy as np
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.config import Settings
from app.kb.articles import current_version
from app.kb.index import MatchIndex
from app.kb.matcher import WORDS, Model, model_for
from app.kb.semantic import Encoder, SemanticIndex, Vectors, entry_texts, load_encoders
from app.kb.vectors import load_vectors, prune_vectors, save_vectors

logger = logging.getLogger("app.kb")

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


class Embeddings:
    def __init__(
        self,
        settings: Settings,
        encoders: Sequence[Encoder] | None,
        current: Callable[[], tuple[MatchIndex | None, int | None]],
        *,
        writer_queue: asyncio.Lock | None,
        store_retry_seconds: float,
    ) -> None:
        self._settings = settings
        self._current = current  # the knowledge base's index and its KB version now
        # SQLite's in-process writer queue (``app.state.sqlite_writer_queue``), None on
        # PostgreSQL: the vector store's transactions wait their turn like the requests'.
        self._writer_queue = writer_queue
        # Encoders given here are used as they are; otherwise kb_semantic loads the bundled
        # ones named by kb_encoders (in the background on the first build: it takes seconds).
        self.encoders: tuple[Encoder, ...] = ()
        self.model: Model = WORDS  # the fitted weights of these encoders together
        self.loaded = encoders is not None or not settings.kb_semantic
        if encoders is not None:
            self._use(encoders)
        # Per encoder model: the index of the current KB's vectors once all are there, and
        # encoder text -> vector of the current phrasings.
        self._semantic: dict[str, SemanticIndex] = {}
        self._vectors: dict[str, dict[str, Vectors]] = {}
        self._texts: tuple[MatchIndex, list[str]] | None = None  # encoder texts per entry
        self._embedding: asyncio.Task[None] | None = None
        self._bind: AsyncEngine | AsyncConnection | None = None  # for the shared vector store
        self._store_retry_seconds = store_retry_seconds
        self._store_failing = False
        self._store_retry_at = 0.0  # time.monotonic() before which the store is not asked
        # Background embedding gets a thread of its own (the encoders are reentrant and
        # release the GIL in their matrix products), so searches never wait behind it.
        self._embed_thread = ThreadPoolExecutor(1, thread_name_prefix="kb-encode-kb")

    def _use(self, encoders: Sequence[Encoder]) -> None:
        self.encoders = tuple(encoders)
        self.model = model_for([e.name for e in encoders])  # KeyError: nothing fitted for them
        self.loaded = True

    def ready(self, index: MatchIndex | None) -> list[SemanticIndex] | None:
        """Each encoder's vectors of ``index``, in encoder order, or None until all are."""
        if not self.encoders or index is None:
            return None
        found = [self._semantic.get(e.model) for e in self.encoders]
        ready = [s for s in found if s is not None and s.index is index]
        return ready if len(ready) == len(self.encoders) else None

    def progress(self, index: MatchIndex | None) -> list[dict[str, Any]]:
        """Per encoder in use: its model and how many of ``index``'s phrasings have its vector."""
        phrasings = index.size if index is not None else 0
        texts = self._texts[1] if self._texts and self._texts[0] is index else None
        models = []
        for encoder in self.encoders:
            done = self._semantic.get(encoder.model)
            if done is not None and done.index is index:
                embedded = phrasings
            elif texts is not None:
                vectors = self._vectors.get(encoder.model, {})
                embedded = sum(1 for t in texts if t in vectors)
            else:
                embedded = 0
            models.append({"name": encoder.model, "embedded": embedded, "total": phrasings})
        return models

    def start(self, index: MatchIndex, bind: AsyncEngine | AsyncConnection | None) -> None:
        """Embed ``index``'s phrasings in the background (a newer index cancels an older one's)."""
        self._bind = bind
        if self.loaded and not self.encoders:
            return
        if self._embedding is not None:
            self._embedding.cancel()  # an older KB version: its vectors are no longer wanted
        self._embedding = asyncio.create_task(self._embed_or_log(index))

    async def _embed_or_log(self, index: MatchIndex) -> None:
        try:
            if not self.loaded:
                names = self._settings.kb_encoder_names
                self._use(await asyncio.to_thread(load_encoders, names))
            if not self.encoders:
                return
            texts = await asyncio.get_running_loop().run_in_executor(
                self._embed_thread, entry_texts, index
            )
            self._texts = (index, texts)
            self._store_failing, self._store_retry_at = False, 0.0  # each run tries it again
            for encoder in self.encoders:
                await self._embed(index, texts, encoder)
        except Exception:
            # Searches go on by words alone; the next KB change tries again.
            logger.exception("kb semantic index failed")

    async def _embed(self, index: MatchIndex, texts: list[str], encoder: Encoder) -> None:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        known = self._vectors.setdefault(encoder.model, {})
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        # Processes that embed the same KB at once (`router serve`'s two, replicas after an
        # import) go through it in different orders and skip what another stored meanwhile,
        # so they share the work instead of each doing all of it.
        random.shuffle(missing)
        loaded = embedded = 0
        unsaved: dict[str, Vectors] = {}
        for start in range(0, len(missing), SAVE_BATCH):
            chunk = missing[start : start + SAVE_BATCH]
            stored = await self._shared(load_vectors, encoder.model, chunk) or {}
            known.update(stored)
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
            known.update(fresh)
            loaded, embedded = loaded + len(stored), embedded + len(fresh)
        if self._current()[0] is not index:
            return
        matrix = np.stack([known[t] for t in texts]) if texts else np.zeros((0, 0))
        self._semantic[encoder.model] = SemanticIndex(matrix.astype(np.float32), index)
        self._vectors[encoder.model] = {t: known[t] for t in texts}  # forget removed ones
        pruned = await self._shared(self._prune, encoder.model, texts)
        logger.info(
            "kb semantic index ready",
            extra={
                "model": encoder.model,
                "kb_version": self._current()[1],
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
        if await current_version(session) != self._current()[1]:
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

    async def wait(self) -> None:
        """Until the background embedding of the latest index ends."""
        if self._embedding is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._embedding)

    async def close(self) -> None:
        """Stop background embedding and its thread."""
        if self._embedding is not None:
            self._embedding.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._embedding
        self._embed_thread.shutdown(wait=False, cancel_futures=True)
