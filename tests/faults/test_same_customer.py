"""Two messages from one customer at the same moment are handled one after the other: one
conversation, both messages stored and answered; one message delivered twice at once is
stored and answered once."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from tests.fakes.graph_api import FakeGraphApi
from tests.faults import ledger
from tests.faults.conftest import ProcessFactory
from tests.faults.harness import deliver, load_kb, wait_for, whatsapp_text
from tests.faults.scenario import ANSWERS, ARTICLES, QUESTIONS, answer_of

pytestmark = pytest.mark.faults

CUSTOMERS = 15
COPIES = 3


async def test_simultaneous_messages_from_one_customer(
    router_process: ProcessFactory, graph: FakeGraphApi, service_db: str
) -> None:
    router = router_process()
    await router.start_ready()
    await load_kb(router.base_url, ARTICLES)
    two_texts = [f"6281400{n:05d}" for n in range(CUSTOMERS)]
    one_text = [f"6281500{n:05d}" for n in range(CUSTOMERS)]
    sends = []
    for wa_id in two_texts:
        # Different texts, different message ids, same customer, same instant.
        sends += [
            whatsapp_text(wa_id=wa_id, wamid=f"wamid.pair.{wa_id}.{i}", text=QUESTIONS[i])
            for i in range(2)
        ]
    for wa_id in one_text:
        # One message that the platform delivers several times at once.
        body = whatsapp_text(wa_id=wa_id, wamid=f"wamid.copy.{wa_id}", text=QUESTIONS[2])
        sends += [body] * COPIES

    async with httpx.AsyncClient(timeout=15) as client:
        statuses = await asyncio.gather(*(deliver(client, router.base_url, b) for b in sends))
    assert Counter(statuses) == Counter({200: len(sends)})

    expected = 2 * CUSTOMERS + CUSTOMERS
    await wait_for(
        lambda: len(graph.delivered) >= expected, timeout=60, what=f"{expected} deliveries"
    )
    await ledger.wait_outbox_drained(service_db)

    conversations = await ledger.conversations_per_customer(service_db)
    assert conversations == Counter({wa_id: 1 for wa_id in two_texts + one_text})
    inbound = await ledger.inbound_per_customer(service_db)
    assert inbound == Counter({**{w: 2 for w in two_texts}, **{w: 1 for w in one_text}})
    await ledger.check_delivered_exactly_once(service_db, graph, acknowledged=two_texts + one_text)
    delivered = ledger.delivered_to(graph)
    for wa_id in two_texts:
        assert sorted(answer_of(p) for p in delivered[wa_id]) == sorted(ANSWERS[:2]), wa_id
    for wa_id in one_text:
        assert [answer_of(p) for p in delivered[wa_id]] == [ANSWERS[2]], wa_id
