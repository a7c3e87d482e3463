"""Retention of the audit log (``ROUTER_AUDIT_RETENTION_DAYS``) and of what sign-in leaves
behind: expired sessions and password links. Run by the periodic retention job."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts import links, sessions
from app.audit.models import AuditEntry
from app.config import Settings
from app.db_util import in_chunks, rowcount


async def delete_audit_before(session: AsyncSession, *, before: datetime, limit: int) -> int:
    ids = (
        await session.scalars(select(AuditEntry.id).where(AuditEntry.at < before).limit(limit))
    ).all()
    if not ids:
        return 0
    return rowcount(await session.execute(delete(AuditEntry).where(AuditEntry.id.in_(ids))))


async def remove_expired_accounts_data(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *, now: datetime, chunk: int
) -> int:
    """Audit entries past the retention, expired sessions and links: rows deleted."""
    before = now - timedelta(days=settings.audit_retention_days)
    total = await in_chunks(
        sessionmaker, lambda s: delete_audit_before(s, before=before, limit=chunk), chunk
    )
    total += await in_chunks(
        sessionmaker, lambda s: sessions.delete_expired(s, now=now, limit=chunk), chunk
    )
    total += await in_chunks(
        sessionmaker, lambda s: links.delete_spent(s, now=now, limit=chunk), chunk
    )
    return total
