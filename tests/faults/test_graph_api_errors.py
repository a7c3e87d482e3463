"""The Graph API answers 500 and 429 for a while, then heals: every reply still arrives, once,
and each customer's replies arrive in the order of their messages."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.fakes.graph_api import FakeGraphApi, status
from tests.faults import ledger
from tests.faults.conftest import ProcessFactory
from tests.faults.harness import deliver, load_kb, wait_for, whatsapp_text
from tests.faults.scenario import ANSWERS, ARTICLES, QUESTIONS, answer_of

pytestmark = pytest.mark.faults

CUSTOMERS = 20
# Every request fails until these are used up: with the tests' short backoff that is a few
# seconds of errors, with retries of every row; then the API heals.
FAILURES = [status(500), status(429, **{"Retry-After": "1"})] * 30


async def test_replies_arrive_once_and_in_order_after_errors(
    router_process: ProcessFactory, graph: FakeGraphApi, service_db: str
) -> None:
    router = router_process()
    await router.start_ready()
    await load_kb(router.base_url, ARTICLES)
    graph.script(*FAILURES)
    customers = [f"6281300{n:05d}" for n in range(CUSTOMERS)]

    async def conversation(client: httpx.AsyncClient, wa_id: str) -> None:
        # A customer types the next question once the previous one was acknowledged.
        for turn, question in enumerate(QUESTIONS):
            body = whatsapp_text(wa_id=wa_id, wamid=f"wamid.order.{wa_id}.{turn}", text=question)
            assert await deliver(client, router.base_url, body) == 200

    async with httpx.AsyncClient(timeout=10) as client:
        await asyncio.gather(*(conversation(client, wa_id) for wa_id in customers))

    expected = CUSTOMERS * len(QUESTIONS)
    await wait_for(
        lambda: len(graph.delivered) >= expected, timeout=60, what=f"{expected} deliveries"
    )
    await ledger.wait_outbox_drained(service_db)
    errors = [r for r in graph.requests if r.answered != 200]
    assert len(errors) == len(FAILURES), "the API should have failed, then healed"
    assert {r.answered for r in errors} == {500, 429}

    await ledger.check_delivered_exactly_once(
        service_db, graph, acknowledged=customers, replies_per_customer=len(QUESTIONS)
    )
    for wa_id, payloads in ledger.delivered_to(graph).items():
        assert [answer_of(p) for p in payloads] == ANSWERS, wa_id
