"""CSV export, one row per conversation, streamed in keyset pages.

Each page is its own short transaction (on SQLite every transaction takes the write lock, so
one long read would stall the bot), and memory stays flat whatever the table size.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.analytics.kpi_export import BLANK, KPI_COLUMNS, kpi_columns
from app.analytics.periods import Period
from app.conversations.models import Conversation, Message, Outcome
from app.escalation.models import Handoff
from app.types import Direction

PAGE_SIZE = 5000
COLUMNS = (
    "conversation_id",
    "channel",
    "status",
    "created_at",
    "closed_at",
    "outcome",
    "reason",
    "articles_served",
    "handoff_created_at",
    "handoff_claimed_at",
    "handoff_first_agent_reply_at",
    "handoff_resolved_at",
    "agent_id",
    "csat_score",
    "csat_comment",
    *KPI_COLUMNS,
)


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


async def _page(
    session: AsyncSession,
    period: Period,
    after: tuple[datetime, int] | None,
    fcr_window_hours: int = 72,
) -> list[tuple[Any, ...]]:
    """The next page in (created_at, id) order: an index range scan, not a table scan."""
    keyset = []
    if after is not None:
        keyset += [
            # The plain range lets the database walk the created_at index; the OR breaks ties.
            Conversation.created_at >= after[0],
            or_(
                Conversation.created_at > after[0],
                and_(Conversation.created_at == after[0], Conversation.id > after[1]),
            ),
        ]
    conversations = (
        await session.execute(
            select(
                Conversation.id,
                Conversation.channel,
                Conversation.status,
                Conversation.created_at,
                Conversation.closed_at,
                Outcome.outcome,
                Outcome.reason,
            )
            .outerjoin(Outcome, Outcome.conversation_id == Conversation.id)
            .where(
                Conversation.created_at >= period.start_at,
                Conversation.created_at < period.end_at,
                *keyset,
            )
            .order_by(Conversation.created_at, Conversation.id)
            .limit(PAGE_SIZE)
        )
    ).all()
    if not conversations:
        return []
    ids = [row[0] for row in conversations]
    served: dict[int, set[str]] = defaultdict(set)
    for conversation_id, slug in await session.execute(
        select(Message.conversation_id, Message.article_slug)
        .where(
            Message.conversation_id.in_(ids),
            Message.direction == Direction.outbound.value,
            Message.article_slug.is_not(None),
        )
        .distinct()
    ):
        served[conversation_id].add(slug)
    # A conversation normally has one handoff; if it had several, report the first one's
    # timeline (min) and the latest resolution / rating (max).
    handoffs = {
        row[0]: row[1:]
        for row in await session.execute(
            select(
                Handoff.conversation_id,
                func.min(Handoff.created_at),
                func.min(Handoff.claimed_at),
                func.min(Handoff.first_agent_reply_at),
                func.max(Handoff.resolved_at),
                func.max(Handoff.agent_id),
                func.max(Handoff.csat_score),
                func.max(Handoff.csat_comment),
            )
            .where(Handoff.conversation_id.in_(ids))
            .group_by(Handoff.conversation_id)
        )
    }
    kpis = await kpi_columns(session, ids, handoffs, fcr_window_hours)
    rows: list[tuple[Any, ...]] = []
    for cid, channel, status, created_at, closed_at, outcome, reason in conversations:
        handoff = handoffs.get(cid, (None,) * 7)
        rows.append(
            (
                (created_at, cid),
                cid,
                channel,
                status,
                _iso(created_at),
                _iso(closed_at),
                outcome or "",
                reason or "",
                " ".join(sorted(served.get(cid, ()))),
                *(_iso(v) for v in handoff[:4]),
                "" if handoff[4] is None else handoff[4],
                "" if handoff[5] is None else handoff[5],
                handoff[6] or "",
                *kpis.get(cid, BLANK),
            )
        )
    return rows


async def export_csv(
    sessionmaker: async_sessionmaker[AsyncSession], *, period: Period, fcr_window_hours: int = 72
) -> AsyncIterator[str]:
    """CSV text chunks: the header, then one chunk per page of conversations."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    yield buffer.getvalue()
    after: tuple[datetime, int] | None = None
    while True:
        async with sessionmaker() as session:
            page = await _page(session, period, after, fcr_window_hours)
            await session.rollback()
        if not page:
            return
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(row[1:] for row in page)
        yield buffer.getvalue()
        after = page[-1][0]
