"""Every process's copy of the questions the KB does not cover (``app.kb.offtopic``): what
customers asked in the newest handoffs an agent resolved without an article, embedded with
the KB's encoders. Read again when such a handoff is added, the KB or its encoders change,
and at least every ``REREAD_SECONDS`` (an erased customer's or a retention-redacted question
leaves every process's memory then); each question is embedded once per process.

A question worded as one of the KB's own phrasings is left out: the agent answered by hand
something the KB covers, and it must not stop the bot answering it.
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.calibration.evidence import unanswered_mark, unanswered_questions
from app.calibration.questions import VectorCache, embed_questions
from app.kb.offtopic import OffTopic
from app.kb.service import KnowledgeBase
from app.learning.scrub import wording_key

OFF_TOPIC_MAX = 500  # the newest questions kept: recent customers, a bounded cost per search
REREAD_SECONDS = 3600.0


class OffTopicQuestions:
    def __init__(self, limit: int = OFF_TOPIC_MAX, reread_seconds: float = REREAD_SECONDS) -> None:
        self._limit = limit
        self._reread = reread_seconds
        self._mark: tuple[object, ...] | None = None
        self._cache: VectorCache = {}

    async def refresh(
        self, sessionmaker: async_sessionmaker[AsyncSession], kb: KnowledgeBase
    ) -> None:
        if kb.version is None or not kb.semantic_ready:
            return
        snapshot = kb.snapshot()
        if snapshot.semantic is None or not snapshot.encoders:
            return
        async with sessionmaker() as session:
            mark = (
                *await unanswered_mark(session),
                kb.version,
                snapshot.model.encoders,
                int(time.time() // self._reread),
            )
            if mark == self._mark:
                return
            texts = await unanswered_questions(session, self._limit)
        known = {wording_key(text) for text in snapshot.index.entry_texts}
        texts = list(dict.fromkeys(t for t in texts if wording_key(t) not in known))
        vectors = await asyncio.to_thread(
            embed_questions, snapshot.index, snapshot.encoders, texts, self._cache
        )
        kb.off_topic = (
            OffTopic(snapshot.model.encoders, tuple(vectors), len(texts)) if texts else None
        )
        self._mark = mark
