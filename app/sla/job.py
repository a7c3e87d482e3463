"""The breach job: every few seconds, the handoffs whose warning or due moment has come.

Claiming is one statement, ``SELECT ... FOR UPDATE SKIP LOCKED`` on the rows whose
``check_at`` passed, so replicas share the work instead of repeating it. Each warning and
breach is then an insert into ``sla_events`` that a unique key makes happen once: even two
jobs that read the same row (SQLite, which has no row locks) queue one event between them.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.escalation.models import Handoff
from app.sla.models import HandoffSla
from app.sla.service import BREACH, MISSED, WARNING, open_metrics, record, schedule, settle

logger = logging.getLogger("app.sla")

BATCH = 200


async def check_due(session: AsyncSession, *, now: datetime, limit: int = BATCH) -> int:
    """Warnings and breaches that came due by ``now`` in one batch; the rows looked at."""
    rows = (
        await session.execute(
            select(HandoffSla, Handoff)
            .join(Handoff, Handoff.id == HandoffSla.handoff_id)
            .where(HandoffSla.check_at.is_not(None), HandoffSla.check_at <= now)
            .order_by(HandoffSla.check_at)
            .limit(limit)
            .with_for_update(of=HandoffSla, skip_locked=True)
            .execution_options(populate_existing=True)
        )
    ).all()
    for row, handoff in rows:
        for metric in open_metrics(row, handoff):
            due_at: datetime = getattr(row, f"{metric}_due_at")
            warn_at: datetime | None = getattr(row, f"{metric}_warn_at")
            if row.checked_at < due_at <= now:
                settle(row, metric, MISSED)
                await record(session, row, kind=BREACH, metric=metric, due_at=due_at, now=now)
            elif warn_at is not None and row.checked_at < warn_at <= now:
                await record(session, row, kind=WARNING, metric=metric, due_at=due_at, now=now)
        row.checked_at = now
        schedule(row, handoff)
    await session.flush()
    return len(rows)


async def check_service_levels(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime, batch: int = BATCH
) -> int:
    """What the worker runs: batches (one transaction each) until none is full."""
    total = 0
    while True:
        async with sessionmaker() as session, session.begin():
            seen = await check_due(session, now=now, limit=batch)
        total += seen
        if seen < batch:
            if total:
                logger.info("sla checked", extra={"handoffs": total})
            return total
