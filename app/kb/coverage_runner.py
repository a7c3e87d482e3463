"""The coverage job runner: a periodic worker that claims queued reports and runs them.

One job at a time per process (further jobs wait ``queued``), wherever the background jobs
run (inline, the `router serve` child, a `router worker`): the questions are CPU work, so
they go through ``KnowledgeBase.search_batch`` in a worker thread, a chunk at a time, on the
process's own index (refreshed to the current KB version, and with the sentence encoders
once their vectors are ready, as the bot searches). The results are saved as they come,
about once a second; meanwhile a heartbeat renews the lease. A runner that is stopped in
order puts the job back in the queue; one that dies leaves its lease to run out, and the
next claim resumes from the last saved chunk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import utcnow
from app.db_util import queued_transaction
from app.kb import coverage_jobs as jobs
from app.kb.coverage import CoverageItem, decide, group_missed
from app.kb.models import CoverageJob
from app.kb.service import KnowledgeBase
from app.wakeups import COVERAGE_WORKER
from app.workers import PeriodicWorker, cancel_and_wait

logger = logging.getLogger("app.kb.coverage")

# Questions per chunk: a second or a few of work, so progress moves visibly and a resumed
# job repeats little.
CHUNK = 250
SAVE_SECONDS = 1.0  # progress is saved after the first chunk ending this long after the last
POLL_SECONDS = 5.0  # a job from another process without a wake-up waits at most this


class LostClaim(Exception):
    """Another runner holds the job now (this one's lease ran out): stop, change nothing."""


class CoverageRunner:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        kb: KnowledgeBase,
        settings: Settings,
        *,
        writer_queue: asyncio.Lock | None = None,
        chunk: int = CHUNK,
        save_seconds: float = SAVE_SECONDS,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._kb = kb
        self._lease = timedelta(seconds=settings.coverage_lease_seconds)
        self._writer_queue = writer_queue  # SQLite: the process's writes take turns
        self._chunk = chunk
        self._save_seconds = save_seconds

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        async with queued_transaction(self._sessionmaker, self._writer_queue) as session:
            yield session

    async def run_pending(self) -> int:
        """Run queued jobs (and ones whose runner died) one after another until none is
        left; how many were run."""
        ran = 0
        while True:
            async with self._transaction() as session:
                job = await jobs.claim_job(session, now=utcnow(), lease=self._lease)
            if job is None:
                return ran
            await self.run(job)
            ran += 1

    async def run(self, job: CoverageJob) -> None:
        """Run a claimed job to its end, renewing the lease meanwhile."""
        assert job.claim is not None
        work = asyncio.create_task(self._work(job, job.claim))
        heartbeat = asyncio.create_task(self._heartbeat(job.id, job.claim))
        try:
            await asyncio.shield(work)
        except asyncio.CancelledError:
            # Stopping in order: hand the job back so the next runner resumes it at once.
            await cancel_and_wait(work)
            await cancel_and_wait(heartbeat)
            async with self._transaction() as session:
                await jobs.release(session, job.id, job.claim, now=utcnow())
            raise
        except LostClaim:
            logger.warning("coverage job taken over by another runner", extra={"job": job.id})
        finally:
            await cancel_and_wait(heartbeat)

    async def _heartbeat(self, job_id: str, claim: str) -> None:
        """Renew the lease while the job runs (also while the encoders get ready, or a long
        chunk computes). Once it is lost, the next save finds out and the work stops."""
        held = True
        while held:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            try:
                async with self._transaction() as session:
                    now = utcnow()
                    held = await jobs.renew(session, job_id, claim, now=now, lease=self._lease)
            except (SQLAlchemyError, OSError) as exc:
                # The next save fails too if it lasts; if not, the lease may still hold.
                logger.warning("coverage lease not renewed", extra={"error": str(exc)})

    async def _work(self, job: CoverageJob, claim: str) -> None:
        async with self._sessionmaker() as session:
            results = await jobs.saved_results(session, job)
        if results:
            logger.info("coverage job resumed", extra={"job": job.id, "done": len(results)})
        try:
            async with self._sessionmaker() as session:
                await self._kb.refresh(session)
            await self._kb.wait_semantic()  # the encoders, as the bot will use them
            saved, saved_at = len(results), time.monotonic()
            for start in range(saved, job.total, self._chunk):
                part = job.questions[start : start + self._chunk]
                items = await asyncio.to_thread(decide, self._kb, part)
                results += [[item.decision, item.slug] for item in items]
                # At most about once a second (a commit each: by words a chunk takes a tenth
                # of that), and the last chunks with the report.
                due = time.monotonic() - saved_at >= self._save_seconds
                if due and len(results) < job.total:
                    await self._save(job, claim, saved, results[saved:])
                    saved, saved_at = len(results), time.monotonic()
            items_all = [
                CoverageItem(text=q, decision=str(r[0]), slug=r[1])
                for q, r in zip(job.questions, results, strict=True)
            ]
            groups = await asyncio.to_thread(group_missed, items_all, job.groups)
        except (asyncio.CancelledError, LostClaim, SQLAlchemyError, OSError):
            raise  # the database: the lease runs out and a runner resumes the job
        except Exception as exc:
            logger.exception("coverage job failed", extra={"job": job.id})
            async with self._transaction() as session:
                reason = f"{type(exc).__name__}: {exc}"
                await jobs.fail(session, job.id, claim, reason, now=utcnow())
            return
        await self._save(job, claim, saved, results[saved:], [g.model_dump() for g in groups])
        logger.info("coverage job done", extra={"job": job.id, "questions": job.total})

    async def _save(
        self,
        job: CoverageJob,
        claim: str,
        start: int,
        results: list[list[str | None]],
        groups: list[dict[str, Any]] | None = None,
    ) -> None:
        async with self._transaction() as session:
            if not await jobs.save_progress(
                session, job, claim, start, results, now=utcnow(), lease=self._lease, groups=groups
            ):
                raise LostClaim


def coverage_worker(runner: CoverageRunner) -> PeriodicWorker:
    return PeriodicWorker(COVERAGE_WORKER, runner.run_pending, POLL_SECONDS)
