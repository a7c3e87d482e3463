"""What the service stored and what the fake Graph API received, and the one check that
matters: every reply the service owes was delivered exactly once.

The tests read the database directly (read-only) through a short-lived engine, so they never
depend on the service under test being up.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tests.fakes.graph_api import FakeGraphApi
from tests.faults.harness import wait_for


@dataclass(frozen=True)
class OutboxRow:
    id: int
    recipient: str
    status: str
    attempts: int
    payload: dict[str, Any]


async def query(database_url: str, sql: str) -> list[Any]:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return list(await connection.execute(text(sql)))
    finally:
        await engine.dispose()


async def outbox_rows(database_url: str) -> list[OutboxRow]:
    rows = await query(
        database_url, "SELECT id, recipient_key, status, attempts, payload FROM outbox ORDER BY id"
    )
    return [
        OutboxRow(
            id=int(r[0]),
            # "<channel>:<account>:<recipient>"
            recipient=str(r[1]).rsplit(":", 1)[-1],
            status=str(r[2]),
            attempts=int(r[3]),
            payload=r[4] if isinstance(r[4], dict) else json.loads(r[4]),
        )
        for r in rows
    ]


async def count_outbox(database_url: str, status: str) -> int:
    rows = await query(database_url, f"SELECT count(*) FROM outbox WHERE status = '{status}'")
    return int(rows[0][0])


async def pending_outbox(database_url: str) -> int:
    return await count_outbox(database_url, "pending")


async def wait_outbox_drained(database_url: str, timeout: float = 60.0) -> None:
    """Until no row is pending: each was sent (or failed) and its result is committed."""

    async def drained() -> bool:
        return await pending_outbox(database_url) == 0

    await wait_for(drained, timeout=timeout, interval=0.2, what="the outbox to drain")


async def inbound_per_customer(database_url: str) -> Counter[str]:
    """Stored inbound messages per WhatsApp id (a duplicate delivery must not add one)."""
    rows = await query(
        database_url,
        "SELECT c.external_id, count(*) FROM messages m JOIN contacts c ON c.id = m.contact_id"
        " WHERE m.direction = 'in' GROUP BY c.external_id",
    )
    return Counter({str(r[0]): int(r[1]) for r in rows})


async def conversations_per_customer(database_url: str) -> Counter[str]:
    rows = await query(
        database_url,
        "SELECT c.external_id, count(*) FROM conversations v JOIN contacts c"
        " ON c.id = v.contact_id GROUP BY c.external_id",
    )
    return Counter({str(r[0]): int(r[1]) for r in rows})


def delivered_to(graph: FakeGraphApi) -> dict[str, list[dict[str, Any]]]:
    """Payloads the fake answered 200 to, per recipient, in arrival order."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for request in graph.delivered:
        out[str(request.json.get("to"))].append(request.json)
    return out


def _canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False)


async def check_delivered_exactly_once(
    database_url: str,
    graph: FakeGraphApi,
    *,
    acknowledged: Collection[str],
    replies_per_customer: int | None = None,
) -> list[OutboxRow]:
    """Every outbox row was sent and reached the fake once; nobody got anything twice.

    ``acknowledged`` are the customers whose messages got a 200: each must have been
    answered (and nobody else). ``replies_per_customer``, when given, is how many platform
    messages each of them is owed, so a message answered twice shows up even if both answers
    were delivered faithfully.
    """
    rows = await outbox_rows(database_url)
    unsent = [r for r in rows if r.status != "sent"]
    assert not unsent, f"{len(unsent)} outbox rows not sent, e.g. {unsent[:3]}"
    owed: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        owed[row.recipient][_canonical(row.payload)] += 1
    got = {
        to: Counter(_canonical(p) for p in payloads) for to, payloads in delivered_to(graph).items()
    }
    assert set(owed) == set(acknowledged), (
        f"answered but not acknowledged: {sorted(set(owed) - set(acknowledged))[:5]}; "
        f"acknowledged but unanswered: {sorted(set(acknowledged) - set(owed))[:5]}"
    )
    wrong = {
        to: (owed.get(to), got.get(to))
        for to in set(owed) | set(got)
        if owed.get(to) != got.get(to)
    }
    assert not wrong, (
        f"{len(wrong)} customers got other than exactly their replies: {list(wrong.items())[:2]}"
    )
    if replies_per_customer is not None:
        counts = Counter(sum(c.values()) for c in owed.values())
        assert counts == Counter({replies_per_customer: len(owed)}), counts
    return rows


async def check_each_answered_once(
    database_url: str, graph: FakeGraphApi, customers: Collection[str]
) -> None:
    """The end state of a one-message-per-customer load: every message stored once and its
    one reply delivered once, however the service was disturbed on the way."""
    await wait_for(
        lambda: len(graph.delivered) >= len(customers),
        timeout=60,
        what=f"{len(customers)} deliveries",
    )
    await wait_outbox_drained(database_url)
    assert await inbound_per_customer(database_url) == Counter(dict.fromkeys(customers, 1))
    await check_delivered_exactly_once(
        database_url, graph, acknowledged=customers, replies_per_customer=1
    )
