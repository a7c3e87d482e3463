"""The learning job: reads the conversations that ended since it last looked, proposes the
wordings of suggestions customers chose and kept, checks proposals with the guard, and in
``auto`` mode accepts those enough customers used.

A choice is kept when the conversation ended deflected (the customer confirmed, or went
quiet after it without calling it unhelpful or asking for help) on the article they picked:
only then is it known to be final. The job runs in the background (never in a customer's
request); the cursor row is locked while it works, so replicas take turns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.conversations.models import Outcome
from app.db import utcnow
from app.db_util import insert_ignore, queued_transaction
from app.kb.semantic import encoder_text
from app.kb.service import KnowledgeBase
from app.learning import service
from app.learning.guard import pulls
from app.learning.models import LearnedPhrasing, LearningCursor
from app.learning.sources import chosen_wording
from app.types import OutcomeKind
from app.workers import PeriodicWorker

logger = logging.getLogger("app.learning")

BATCH = 200  # outcomes per transaction
GUARD_BATCH = 50  # proposals checked per run
DEFLECTED = (OutcomeKind.deflected_confirmed.value, OutcomeKind.deflected_assumed.value)
# An outcome younger than this may belong to a transaction that has not committed yet while
# a later id already has: read it on the next run rather than skip past it.
SETTLE = timedelta(seconds=2)


class Learner:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        kb: KnowledgeBase,
        settings: Settings,
        *,
        writer_queue: asyncio.Lock | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._kb = kb
        self._settings = settings
        self._writer_queue = writer_queue

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        async with queued_transaction(self._sessionmaker, self._writer_queue) as session:
            yield session

    async def run(self, now: datetime | None = None) -> int:
        """One pass: harvest, guard, auto-accept. How many wordings were proposed."""
        if self._settings.kb_learning == "off":
            return 0
        now = now or utcnow()
        async with self._sessionmaker() as session:
            await self._kb.refresh(session)
        proposed = 0
        while True:
            async with self._transaction() as session:
                count, more = await self._harvest(session, now)
            proposed += count
            if not more:
                break
        await self.check_guard()
        if self._settings.kb_learning == "auto":
            await self.auto_accept(now)
        return proposed

    async def _harvest(self, session: AsyncSession, now: datetime) -> tuple[int, bool]:
        await insert_ignore(
            session, LearningCursor, {"id": 1, "outcome_id": 0}, conflict_columns=["id"]
        )
        cursor = await session.scalar(
            select(LearningCursor).where(LearningCursor.id == 1).with_for_update()
        )
        assert cursor is not None
        outcomes = list(
            await session.scalars(
                select(Outcome)
                .where(Outcome.id > cursor.outcome_id, Outcome.recorded_at < now - SETTLE)
                .order_by(Outcome.id)
                .limit(BATCH)
            )
        )
        proposed = 0
        for outcome in outcomes:
            if outcome.outcome not in DEFLECTED or not outcome.article_slug:
                continue
            text = await chosen_wording(session, outcome.conversation_id, outcome.article_slug)
            if text is None:
                continue
            made = await service.propose(
                session,
                self._kb,
                text=text,
                slug=outcome.article_slug,
                source=service.CHOSEN_SUGGESTION,
                conversation_id=outcome.conversation_id,
                contact_id=outcome.contact_id,
                now=now,
            )
            proposed += made is not None
        if outcomes:
            cursor.outcome_id = outcomes[-1].id
        return proposed, len(outcomes) == BATCH

    async def check_guard(self) -> int:
        """Check pending proposals not checked against the current KB version."""
        version = self._kb.version
        if version is None:
            return 0
        async with self._sessionmaker() as session:
            todo = list(
                await session.execute(
                    select(LearnedPhrasing.id, LearnedPhrasing.slug, LearnedPhrasing.text)
                    .where(
                        LearnedPhrasing.status == service.PENDING,
                        (LearnedPhrasing.checked_kb_version.is_(None))
                        | (LearnedPhrasing.checked_kb_version != version),
                    )
                    .order_by(LearnedPhrasing.id)
                    .limit(GUARD_BATCH)
                )
            )
        if not todo:
            return 0
        snapshot = self._kb.snapshot()
        found = await asyncio.to_thread(_check, snapshot, [(r.id, r.slug, r.text) for r in todo])
        async with self._transaction() as session:
            for phrasing_id, pulled in found:
                await session.execute(
                    update(LearnedPhrasing)
                    .where(LearnedPhrasing.id == phrasing_id)
                    .values(pulls=pulled, checked_kb_version=version)
                    .execution_options(synchronize_session=False)
                )
        return len(found)

    async def auto_accept(self, now: datetime) -> int:
        """Accept the pending proposals enough customers used that the guard passed."""
        version = self._kb.version
        async with self._sessionmaker() as session:
            ids = list(
                await session.scalars(
                    select(LearnedPhrasing.id).where(
                        LearnedPhrasing.status == service.PENDING,
                        LearnedPhrasing.customers >= self._settings.kb_learning_min_count,
                        LearnedPhrasing.checked_kb_version == version,
                    )
                )
            )
            rows = [await session.get(LearnedPhrasing, i) for i in ids]
        accepted = 0
        for row in rows:
            if row is None or row.pulls:
                continue  # flagged by the guard: an editor decides
            async with self._transaction() as session:
                await service.accept(session, phrasing_id=row.id, actor="auto-learning", now=now)
            accepted += 1
        if accepted:
            logger.info("learned phrasings accepted automatically", extra={"count": accepted})
        return accepted


def _check(snapshot: Any, rows: list[tuple[int, str, str]]) -> list[tuple[int, list[Any]]]:
    """The guard for each (id, slug, text), with the encoders' evidence once it is ready."""
    index, semantic = snapshot.index, snapshot.semantic or ()
    out = []
    for phrasing_id, slug, text in rows:
        vectors = (
            [e.encode([encoder_text(index, text)])[0] for e in snapshot.encoders]
            if semantic
            else []
        )
        out.append((phrasing_id, pulls(index, slug, text, semantic, vectors, snapshot.model)))
    return out


def learning_worker(
    sessionmaker: async_sessionmaker[AsyncSession],
    kb: KnowledgeBase,
    settings: Settings,
    writer_queue: asyncio.Lock | None = None,
) -> PeriodicWorker:
    learner = Learner(sessionmaker, kb, settings, writer_queue=writer_queue)
    return PeriodicWorker("kb_learning", learner.run, settings.kb_learning_interval_seconds)
