"""SIGKILL mid-load, restart on the same database: every acknowledged message is answered
exactly once; the platform's re-deliveries (of failed and of acknowledged webhooks) change
nothing.

The Graph API fails from shortly before the kill on, and the kill waits until every reply it
accepted is recorded as sent. A reply Meta accepted but whose success the dead process never
committed would be sent again after the restart: with a non-idempotent API that gap is inherent
to any at-least-once sender (without this guard about one run in three sent a batch twice), so
the test keeps it closed and checks everything else exactly.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from tests.fakes.graph_api import FakeGraphApi
from tests.faults import ledger
from tests.faults.conftest import ProcessFactory
from tests.faults.harness import deliver, load_kb, post_webhook, wait_for, whatsapp_text
from tests.faults.scenario import ARTICLES, QUESTIONS

pytestmark = pytest.mark.faults

MESSAGES = 150
CONCURRENCY = 16
BEFORE_KILL = 50  # answered normally
AT_KILL = 20  # sent as the server dies
REDELIVERED_ACKS = 30


async def test_sigkill_mid_load_then_restart(
    router_process: ProcessFactory, graph: FakeGraphApi, service_db: str
) -> None:
    # A short lease: rows claimed by the killed process are retried seconds after the restart.
    router = router_process(outbox_lease_seconds="3", graph_api_timeout_seconds="1")
    await router.start_ready()
    await load_kb(router.base_url, ARTICLES)
    customers = [f"6281600{n:05d}" for n in range(MESSAGES)]
    bodies = {
        wa_id: whatsapp_text(
            wa_id=wa_id, wamid=f"wamid.kill.{wa_id}", text=QUESTIONS[n % len(QUESTIONS)]
        )
        for n, wa_id in enumerate(customers)
    }
    before, during, after = (
        customers[:BEFORE_KILL],
        customers[BEFORE_KILL:-AT_KILL],
        customers[-AT_KILL:],
    )
    first_try: dict[str, int] = {}
    slots = asyncio.Semaphore(CONCURRENCY)
    killed = asyncio.Event()

    async def send_once(client: httpx.AsyncClient, wa_id: str) -> None:
        async with slots:
            first_try[wa_id] = await post_webhook(client, router.base_url, bodies[wa_id])

    async def send_when_killed(client: httpx.AsyncClient, wa_id: str) -> None:
        await killed.wait()
        await send_once(client, wa_id)

    async def all_sends_recorded() -> bool:
        # The Graph API is failing now, so its count of successes no longer moves.
        return await ledger.count_outbox(service_db, "sent") == len(graph.delivered)

    async def kill_mid_load() -> None:
        await wait_for(
            lambda: (
                any(r.answered == 503 for r in graph.requests)
                and sum(first_try.get(w) == 200 for w in during) >= 10
            ),
            timeout=30,
            what="replies failing while the load goes on",
        )
        await wait_for(all_sends_recorded, timeout=10, what="sent replies recorded")
        # Same tick, no await in between: the last messages meet a dead server.
        killed.set()
        router.kill()

    async with httpx.AsyncClient(timeout=10) as client:
        await asyncio.gather(*(send_once(client, w) for w in before))
        assert all(first_try[w] == 200 for w in before)
        graph.outage = True
        await asyncio.gather(
            kill_mid_load(),
            *(send_once(client, w) for w in during),
            *(send_when_killed(client, w) for w in after),
        )
    acknowledged = [w for w in customers if first_try[w] == 200]
    unacknowledged = [w for w in customers if first_try[w] != 200]
    assert len(unacknowledged) >= AT_KILL, "the kill should have cut the load short"
    assert await ledger.pending_outbox(service_db) > 0, "replies should wait in the outbox"

    graph.outage = False
    await router.start_ready()
    resend = unacknowledged + acknowledged[:REDELIVERED_ACKS]
    async with httpx.AsyncClient(timeout=10) as client:
        statuses = await asyncio.gather(
            *(deliver(client, router.base_url, bodies[w]) for w in resend)
        )
    assert Counter(statuses) == Counter({200: len(resend)})

    assert len(customers) == MESSAGES
    await ledger.check_each_answered_once(service_db, graph, customers)
