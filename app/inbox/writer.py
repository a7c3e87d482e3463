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
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import UTCDateTime
from app.wakeups import CHANNEL, INBOX_WORKER

logger = logging.getLogger("app.inbox")

# Bounds one write (and so the wait of the requests behind it).
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
        self.writes += 1
        async with self.writer_queue or contextlib.nullcontext(), self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                result = await conn.execute(_PG_INSERT, _as_arrays(rows))
                return {(channel, key) for channel, key in result.all()}
            # SQLite is in process: a statement per row costs microseconds, not a round trip.
            inserted: set[tuple[str, str]] = set()
            for row in rows:
                new = (await conn.execute(_SQLITE_INSERT, row)).first()
                if new is not None:
                    inserted.add((new[0], new[1]))
            return inserted


# Hand-written statements: SQLAlchemy 2.0 never caches its ON CONFLICT constructs, and
# compiling a multi-row INSERT for every write cost more than the write. Both have one
# fixed shape, compiled once. On PostgreSQL the rows travel as one array per column.
_COLUMNS = "channel, kind, dedupe_key, contact_key, payload, received_at, attempts, next_attempt_at"
# The same statement wakes the inbox workers of every process when it commits (see
# app/wakeups.py), without a round trip of its own.
_PG_INSERT = text(
    f"""
    WITH stored AS (
        INSERT INTO inbox ({_COLUMNS})
        SELECT channel, kind, dedupe_key, contact_key, payload::jsonb, received_at, 0,
            received_at
        FROM unnest(
            CAST(:channel AS text[]), CAST(:kind AS text[]), CAST(:dedupe_key AS text[]),
            CAST(:contact_key AS text[]), CAST(:payload AS text[]),
            CAST(:received_at AS timestamptz[])
        ) WITH ORDINALITY AS t(channel, kind, dedupe_key, contact_key, payload, received_at, n)
        ORDER BY n
        ON CONFLICT (channel, dedupe_key) DO NOTHING
        RETURNING channel, dedupe_key
    )
    SELECT stored.channel, stored.dedupe_key
    FROM stored CROSS JOIN LATERAL (SELECT pg_notify('{CHANNEL}', '{INBOX_WORKER}')) AS wake
    """
)
_SQLITE_INSERT = text(
    f"""
    INSERT INTO inbox ({_COLUMNS})
    VALUES (:channel, :kind, :dedupe_key, :contact_key, :payload, :received_at, 0, :received_at)
    ON CONFLICT (channel, dedupe_key) DO NOTHING
    RETURNING channel, dedupe_key
    """
).bindparams(
    bindparam("payload", type_=JSON()),
    bindparam("received_at", type_=UTCDateTime()),
)


def _as_arrays(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {
        "channel": [r["channel"] for r in rows],
        "kind": [r["kind"] for r in rows],
        "dedupe_key": [r["dedupe_key"] for r in rows],
        "contact_key": [r["contact_key"] for r in rows],
        "payload": [json.dumps(r["payload"]) for r in rows],
        "received_at": [r["received_at"] for r in rows],
    }
