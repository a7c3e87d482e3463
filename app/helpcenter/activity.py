"""Help-center activity, written in batches off the request path.

A page view, a vote or a search only appends a row to this process's buffer; a background
job (and the shutdown) inserts the buffer in one statement every
``ROUTER_HELP_FLUSH_INTERVAL_SECONDS``. So a page or the search adds no database write to
its request, and a flood of events costs one insert per interval, not one per event. The
price: a crash loses at most the last interval's activity, which only statistics read.
Views and votes carry a ``dedupe`` key (visitor, article, day) that the database's unique
index holds to once, across replicas and restarts.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from contextlib import AsyncExitStack
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db_util import upsert_rows
from app.helpcenter.models import HelpEvent

logger = logging.getLogger("app.helpcenter")

# Beyond this many rows waiting, new ones are dropped (and logged once per flush): a flood
# must not grow the memory of the process while the database is away.
MAX_PENDING = 50_000
DEDUPED = frozenset({"view", "vote"})


def new_search_id() -> str:
    return secrets.token_urlsafe(12)


class Activity:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        tz: ZoneInfo,
        writer_queue: asyncio.Lock | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.tz = tz
        self._writer_queue = writer_queue
        self._pending: dict[str, dict[str, Any]] = {}  # dedupe key or a unique one -> row
        self._dropped = 0
        self._flushing = asyncio.Lock()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def day_of(self, at: datetime) -> str:
        return at.astimezone(self.tz).date().isoformat()

    def add(
        self,
        type: str,
        *,
        visitor: str,
        at: datetime,
        slug: str | None = None,
        helpful: bool | None = None,
        search_id: str | None = None,
        query: str | None = None,
        decision: str | None = None,
    ) -> None:
        if len(self._pending) >= MAX_PENDING:
            self._dropped += 1
            return
        day = self.day_of(at)
        dedupe = f"{type}:{day}:{visitor}:{slug}" if type in DEDUPED else None
        key = dedupe or f"#{secrets.token_hex(8)}"
        if key in self._pending:
            return  # the first one that day counts
        self._pending[key] = {
            "at": at,
            "day": day,
            "type": type,
            "visitor": visitor,
            "slug": slug,
            "helpful": helpful,
            "search_id": search_id,
            "query": query,
            "decision": decision,
            "dedupe": dedupe,
        }

    async def flush(self) -> int:
        """Insert what waits; the rows inserted (a repeated view or vote is not)."""
        async with self._flushing:
            rows, self._pending = list(self._pending.values()), {}
            if self._dropped:
                logger.warning("help activity dropped", extra={"dropped": self._dropped})
                self._dropped = 0
            if not rows:
                return 0
            try:
                async with AsyncExitStack() as stack:
                    if self._writer_queue is not None:
                        await stack.enter_async_context(self._writer_queue)
                    async with self._sessionmaker() as session, session.begin():
                        inserted = await upsert_rows(session, HelpEvent, rows, conflict=("dedupe",))
                return len(inserted)
            except Exception:
                # Kept for the next try (the unique key makes a retry harmless).
                for row in rows:
                    self._pending.setdefault(row["dedupe"] or f"#{secrets.token_hex(8)}", row)
                raise
