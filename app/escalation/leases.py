"""Lease expiry: a claim nobody answered goes back to the queue."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db import utcnow
from app.escalation.models import Handoff, HandoffEvent
from app.escalation.notifier import notify_after_commit
from app.escalation.queue import count_waiting
from app.events.hooks import handoff_changed
from app.metrics import QUEUE_WAITING
from app.teams.assignment import assign_waiting
from app.types import HandoffStatus

LEASE_CHECK_INTERVAL_SECONDS = 5.0
_BATCH = 500


async def expire_leases(session: AsyncSession, *, now: datetime, lease_seconds: int) -> int:
    """Return expired claims (assigned, never answered since the claim) to waiting.

    A reply clears ``lease_expires_at``; a claim without a lease stamp (written by hand or by
    an older version) expires ``lease_seconds`` after it was made. Rows another replica is
    working on are skipped, not waited for.
    """
    assigned = Handoff.status == HandoffStatus.assigned.value
    expired = or_(
        Handoff.lease_expires_at < now,
        and_(
            Handoff.lease_expires_at.is_(None),
            Handoff.first_agent_reply_at.is_(None),
            Handoff.claimed_at < now - timedelta(seconds=lease_seconds),
        ),
    )
    rows = (
        await session.execute(
            select(Handoff.id, Handoff.agent_id)
            .where(assigned, expired)
            .order_by(Handoff.id)
            .limit(_BATCH)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not rows:
        return 0
    await session.execute(
        update(Handoff)
        .where(Handoff.id.in_([row.id for row in rows]), assigned, expired)
        .values(status=HandoffStatus.waiting.value, agent_id=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    session.add_all(
        HandoffEvent(handoff_id=row.id, kind="lease_expired", agent_id=row.agent_id, created_at=now)
        for row in rows
    )
    await session.flush()
    notify_after_commit(session)
    for row in rows:
        await handoff_changed(session, row.id, "lease_expired", now=now, agent_id=row.agent_id)
    # Auto-assign teams: to someone else with room, if anyone has.
    avoid = {row.id: row.agent_id for row in rows if row.agent_id is not None}
    await assign_waiting(session, now=now, lease_seconds=lease_seconds, avoid=avoid)
    return len(rows)


async def run_lease_expiry(
    sessionmaker: async_sessionmaker[AsyncSession], *, lease_seconds: int
) -> int:
    """The periodic job: one transaction, then refresh the waiting-queue gauge."""
    async with sessionmaker() as session, session.begin():
        expired = await expire_leases(session, now=utcnow(), lease_seconds=lease_seconds)
        QUEUE_WAITING.set(await count_waiting(session))
    return expired
