"""Reading the audit log: newest first, filtered, a page at a time.

Keyset pagination on (at, id): a page starts strictly below the cursor's entry, so entries
written meanwhile neither shift nor repeat the pages (an offset would). The cursor is opaque
to clients: the last entry's time and id, base64url-encoded.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEntry
from app.audit.schemas import AuditItem, AuditPage
from app.errors import ValidationFailed


@dataclass(frozen=True)
class AuditFilter:
    start: datetime | None = None
    end: datetime | None = None  # exclusive
    actor: str | None = None
    action: str | None = None


def parse_time(value: str | None, *, name: str, end: bool = False) -> datetime | None:
    """An ISO 8601 time (UTC when it has no offset) or a date: a ``to`` date includes that
    whole day."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # not a time, or beyond year 9999 once in UTC
        raise ValidationFailed(f"{name} must be an ISO 8601 date or time") from None


def _encode(entry: AuditEntry) -> str:
    raw = f"{entry.at.astimezone(UTC).isoformat()}|{entry.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, entry_id = raw.partition("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None or not 0 < int(entry_id) < 2**63:
            raise ValueError(cursor)
        return moment.astimezone(UTC), int(entry_id)
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("cursor is not one this API gave out") from None


async def list_entries(
    session: AsyncSession, *, where: AuditFilter, cursor: str | None, limit: int
) -> AuditPage:
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit + 1)
    if where.start is not None:
        query = query.where(AuditEntry.at >= where.start)
    if where.end is not None:
        query = query.where(AuditEntry.at < where.end)
    if where.actor:
        query = query.where(AuditEntry.actor == where.actor)
    if where.action:
        query = query.where(AuditEntry.action == where.action)
    if cursor:
        at, entry_id = _decode(cursor)
        query = query.where(
            or_(AuditEntry.at < at, and_(AuditEntry.at == at, AuditEntry.id < entry_id))
        )
    rows = (await session.scalars(query)).all()
    page = rows[:limit]
    return AuditPage(
        items=[
            AuditItem(at=e.at, actor=e.actor, action=e.action, target=e.target, details=e.details)
            for e in page
        ],
        cursor=_encode(page[-1]) if len(rows) > limit else None,
    )
