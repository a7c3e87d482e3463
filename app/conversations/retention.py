"""Retention: message content is personal data, kept ``message_retention_days`` after its
conversation closed, then removed whatever the message's kind (its text, caption, media
handle and file name, location: ``models.CUSTOMER_CONTENT``), and so are CSAT comments.
Outbox rows (a reply's rendered payload: a delivery record, not the conversation) go that
long after they were created, unless still pending. The message rows stay (times, kinds,
decisions, articles, outcomes), so statistics of past periods never change. Unset, nothing
is removed. A customer's own request is ``erasure.py``.

Finished coverage jobs (a business's past questions and their report) go
``coverage_retention_days`` after they ended, in the same periodic job; so do audit entries
past ``audit_retention_days`` and expired sign-in sessions and password links.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.retention import remove_expired_accounts_data
from app.config import Settings
from app.conversations import repository
from app.db_util import in_chunks
from app.escalation import service as escalation
from app.kb import coverage_jobs
from app.outbox import repository as outbox

CHUNK = 5000  # rows per transaction


async def remove_expired(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    now: datetime,
    chunk: int = CHUNK,
) -> int:
    """Messages redacted, CSAT comments removed, outbox rows and coverage jobs deleted, past
    the retention."""
    reports_before = now - timedelta(days=settings.coverage_retention_days)
    reports = await in_chunks(
        sessionmaker,
        lambda s: coverage_jobs.delete_finished_before(s, before=reports_before, limit=chunk),
        chunk,
    )
    reports += await remove_expired_accounts_data(sessionmaker, settings, now=now, chunk=chunk)
    if settings.message_retention_days is None:
        return reports
    before = now - timedelta(days=settings.message_retention_days)
    texts = await in_chunks(
        sessionmaker, lambda s: repository.redact_texts(s, closed_before=before, limit=chunk), chunk
    )
    comments = await in_chunks(
        sessionmaker,
        lambda s: escalation.forget_csat_comments(s, closed_before=before, limit=chunk),
        chunk,
    )
    replies = await in_chunks(
        sessionmaker, lambda s: outbox.delete_done_before(s, before=before, limit=chunk), chunk
    )
    return reports + texts + comments + replies
