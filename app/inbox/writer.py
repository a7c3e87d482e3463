"""Group commit for the webhook inbox.

Every webhook request waits for its events to be durable before it answers 200. Committing
each request on its own costs a round trip and a WAL flush apiece; here the requests that
arrive while a write is in flight are gathered and stored by the next write, one multi-row
``INSERT .. ON CONFLICT DO NOTHING`` and one commit for all of them. Under load a write
carries dozens of requests; alone, a request waits for exactly one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from app.inbox.models import InboxItem

logger = logging.getLogger("app.inbox")

# SQLite allows 32,766 bound parameters per statement; a row has nine.
MAX_ROWS_PER_WRITE = 1000


@dataclass
class _Request:
    rows: list[dict[str, Any]]
    done: asyncio.Future[set[tuple[str, str]]]


@dataclass
class InboxWriter:
    engine: AsyncEngine
    # SQLite's in-process writer queue (``app.state.sqlite_writer_queue``), None on PostgreSQL.
    writer_queue: asyncio.Lock | None = None
    writes: int = 0  # statements issued (requests per write = how well commits are shared)
    _pending: list[_Request] = field(default_factory=list)
    _flusher: asyncio.Task[None] | None = None

    async def append(self, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        """Store ``rows``; the (channel, dedupe_key) pairs that were new (the rest were seen
        before). Raises what the database raised if the write failed: nothing was stored."""
        if not rows:
            return set()
        request = _Request(rows, asyncio.get_running_loop().create_future())
        self._pending.append(request)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="inbox-writer")
        # The write goes on if this request is cancelled (client gone): the platform re-sends
        # and the re-delivery is a duplicate, so nothing is lost or doubled.
        return await asyncio.shield(request.done)

    async def _flush(self) -> None:
        while self._pending:
            batch = self._take()
            try:
                inserted = await self._write([row for r in batch for row in r.rows])
            except Exception as exc:
                for request in batch:
                    if not request.done.done():
                        request.done.set_exception(exc)
                continue
            # A key twice in one write (two requests carrying the same re-delivery): the
            # first request gets it as new, the others as duplicates.
            for request in batch:
                keys = {(row["channel"], row["dedupe_key"]) for row in request.rows}
                mine = keys & inserted
                inserted -= mine
                if not request.done.done():
                    request.done.set_result(mine)

    def _take(self) -> list[_Request]:
        taken: list[_Request] = []
        count = 0
        while self._pending and (
            not taken or count + len(self._pending[0].rows) <= MAX_ROWS_PER_WRITE
        ):
            request = self._pending.pop(0)
            taken.append(request)
            count += len(request.rows)
        return taken

    async def _write(self, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        module: Any = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = (
            module.insert(InboxItem)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["channel", "dedupe_key"])
            .returning(InboxItem.channel, InboxItem.dedupe_key)
        )
        self.writes += 1
        async with self.writer_queue or contextlib.nullcontext(), self.engine.begin() as conn:
            result = await conn.execute(statement)
            return {(channel, key) for channel, key in result.all()}
