"""Coverage reports as background jobs: the rows of ``coverage_jobs`` and their lifecycle.

A job holds its questions, so any process or replica can run it and answer for it, and a
restart loses nothing. A runner claims one (``claim_job``) with a lease it renews while it
works, and saves the results a chunk at a time (``coverage_job_results``: a save adds
a chunk, never rewrites the earlier ones); a job whose runner died (its lease ran out) is
claimed again and resumed from the last saved chunk, like the outbox's leased rows. Every
write names the runner's claim, so a runner that lost its lease (another resumed the job)
changes nothing and stops.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_util import delete_chosen, rowcount
from app.kb.coverage import CoverageGroup, CoverageItem, CoverageReport, build_report
from app.kb.models import CoverageJob, CoverageResults

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
# A job whose runner died this many times (a crash each time it is tried) is failed rather
# than handed to the next runner to crash again.
MAX_ATTEMPTS = 3
STALE_REASON = (
    "the runner working on it stopped {attempts} times before it finished (a crash or a"
    " restart each time); upload the questions again, in smaller parts if it recurs"
)


class CoverageJobOut(BaseModel):
    """``GET /api/v1/kb/coverage/{id}``: the job, and its report once ``done``."""

    id: str
    status: str
    total: int
    done: int
    error: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    report: CoverageReport | None


def new_job(questions: list[str], *, groups: int, now: datetime) -> CoverageJob:
    return CoverageJob(
        id=uuid.uuid4().hex,
        status=QUEUED,
        total=len(questions),
        done=0,
        groups=groups,
        questions=questions,
        attempts=0,
        created_at=now,
        updated_at=now,
    )


async def saved_results(session: AsyncSession, job: CoverageJob) -> list[list[str | None]]:
    """[decision, slug] of the job's first ``done`` questions, as saved."""
    chunks = await session.scalars(
        select(CoverageResults.results)
        .where(CoverageResults.job_id == job.id, CoverageResults.start < job.done)
        .order_by(CoverageResults.start)
    )
    return [list(row) for chunk in chunks for row in chunk][: job.done]


def job_out(job: CoverageJob, results: list[list[str | None]] | None = None) -> CoverageJobOut:
    """The job as the API shows it; ``results`` (``saved_results``) once it is done."""
    report = None
    if job.status == DONE and results is not None:
        items = [
            CoverageItem(text=text, decision=str(decision), slug=slug)
            for text, (decision, slug) in zip(job.questions, results, strict=True)
        ]
        groups = [CoverageGroup.model_validate(g) for g in job.report_groups or []]
        report = build_report(items, groups)
    return CoverageJobOut(
        id=job.id,
        status=job.status,
        total=job.total,
        done=job.done,
        error=job.error,
        created_at=job.created_at,
        updated_at=job.updated_at,
        finished_at=job.finished_at,
        report=report,
    )


def _claimable(now: datetime) -> Any:
    return or_(
        CoverageJob.status == QUEUED,
        and_(CoverageJob.status == RUNNING, CoverageJob.lease_expires_at < now),
    )


async def claim_job(
    session: AsyncSession, *, now: datetime, lease: timedelta
) -> CoverageJob | None:
    """Lease the oldest queued job, or one whose runner's lease ran out; None if there is
    none. ``FOR UPDATE SKIP LOCKED`` (as the outbox's claims) keeps runners on PostgreSQL
    off each other's rows; the conditional update decides on SQLite, where it is ignored.
    A job whose runners died ``MAX_ATTEMPTS`` times is failed instead."""
    while True:
        job = await session.scalar(
            select(CoverageJob)
            .where(_claimable(now))
            .order_by(CoverageJob.created_at, CoverageJob.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if job is None:
            return None
        if job.status == RUNNING and job.attempts >= MAX_ATTEMPTS:
            await _end(
                session, job, FAILED, now=now, error=STALE_REASON.format(attempts=job.attempts)
            )
            continue
        claim = uuid.uuid4().hex
        claimed = await session.execute(
            update(CoverageJob)
            .where(CoverageJob.id == job.id, _claimable(now))
            .values(
                status=RUNNING,
                claim=claim,
                lease_expires_at=now + lease,
                attempts=CoverageJob.attempts + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if rowcount(claimed):
            await session.refresh(job)
            return job


def _held(job_id: str, claim: str) -> Any:
    return and_(CoverageJob.id == job_id, CoverageJob.claim == claim, CoverageJob.status == RUNNING)


async def _write(session: AsyncSession, job_id: str, claim: str, values: dict[str, Any]) -> bool:
    """Change a job this runner still holds; False if it lost it (nothing changed)."""
    result = await session.execute(
        update(CoverageJob)
        .where(_held(job_id, claim))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


async def renew(
    session: AsyncSession, job_id: str, claim: str, *, now: datetime, lease: timedelta
) -> bool:
    return await _write(
        session,
        job_id,
        claim,
        dict(lease_expires_at=now + lease, updated_at=now),
    )


async def save_progress(
    session: AsyncSession,
    job: CoverageJob,
    claim: str,
    start: int,
    results: list[list[str | None]],
    *,
    now: datetime,
    lease: timedelta,
    groups: list[dict[str, Any]] | None = None,
) -> bool:
    """Add the results of the questions from ``start`` on (the next chunk); with ``groups``,
    the last chunk: the job is done. False if this runner lost the job (nothing saved)."""
    done = start + len(results)
    values: dict[str, Any] = {"done": done, "lease_expires_at": now + lease, "updated_at": now}
    if groups is not None:
        values.update(
            status=DONE, report_groups=groups, claim=None, lease_expires_at=None, finished_at=now
        )
    if not await _write(session, job.id, claim, values):
        return False
    if results:
        session.add(CoverageResults(job_id=job.id, start=start, results=results))
        await session.flush()
    return True


async def fail(
    session: AsyncSession, job_id: str, claim: str, error: str, *, now: datetime
) -> bool:
    return await _write(
        session,
        job_id,
        claim,
        dict(
            status=FAILED,
            error=error,
            claim=None,
            lease_expires_at=None,
            updated_at=now,
            finished_at=now,
        ),
    )


async def release(session: AsyncSession, job_id: str, claim: str, *, now: datetime) -> bool:
    """Back to the queue, progress kept, without counting as an attempt: the runner is
    stopping in order (a shutdown), so the next one resumes it at once."""
    return await _write(
        session,
        job_id,
        claim,
        dict(
            status=QUEUED,
            claim=None,
            lease_expires_at=None,
            attempts=CoverageJob.attempts - 1,
            updated_at=now,
        ),
    )


async def _end(
    session: AsyncSession, job: CoverageJob, status: str, *, now: datetime, error: str
) -> None:
    job.status, job.error, job.claim, job.lease_expires_at = status, error, None, None
    job.updated_at = job.finished_at = now
    await session.flush()


async def delete_finished_before(session: AsyncSession, *, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` jobs that ended before ``before`` (retention)."""
    chosen = (
        select(CoverageJob.id)
        .where(CoverageJob.finished_at < before)
        .order_by(CoverageJob.finished_at)
        .limit(limit)
    )
    return await delete_chosen(session, CoverageJob, chosen)
