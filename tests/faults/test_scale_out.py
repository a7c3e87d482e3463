"""Two ``router serve`` replicas on one PostgreSQL database, fed the same traffic round-robin
(with duplicates sent to both at once): no reply lost, none doubled; a handoff claimed through
both replicas at the same moment has exactly one winner."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from tests.fakes.graph_api import FakeGraphApi
from tests.faults import ledger
from tests.faults.conftest import ProcessFactory
from tests.faults.harness import (
    ADMIN_HEADERS,
    RouterProcess,
    deliver,
    load_kb,
    wait_for,
    whatsapp_button,
    whatsapp_text,
)
from tests.faults.scenario import ARTICLES, QUESTIONS
from tests.processes import children

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("postgres_only")]

MESSAGES = 120
DUPLICATED = 40  # of those, delivered to both replicas at once
CONCURRENCY = 16
HANDOFFS = 10


async def _knows_kb(client: httpx.AsyncClient, replica: RouterProcess) -> bool:
    response = await client.get(
        replica.base_url + "/api/v1/kb/search",
        params={"q": QUESTIONS[0]},
        headers=ADMIN_HEADERS,
    )
    return response.status_code == 200 and response.json()["decision"] == "answer"


async def test_two_replicas_answer_each_message_once(
    router_process: ProcessFactory, graph: FakeGraphApi, service_db: str
) -> None:
    replicas = [router_process("replica-a"), router_process("replica-b")]
    # Started together: the schema migration must be run once, not raced.
    await asyncio.gather(*(r.start_ready() for r in replicas))
    await load_kb(replicas[0].base_url, ARTICLES)
    customers = [f"6281800{n:05d}" for n in range(MESSAGES)]
    slots = asyncio.Semaphore(CONCURRENCY)

    async def send(client: httpx.AsyncClient, n: int, wa_id: str) -> list[int]:
        body = whatsapp_text(
            wa_id=wa_id, wamid=f"wamid.scale.{wa_id}", text=QUESTIONS[n % len(QUESTIONS)]
        )
        targets = replicas if n < DUPLICATED else [replicas[n % 2]]
        async with slots:
            return list(await asyncio.gather(*(deliver(client, r.base_url, body) for r in targets)))

    async with httpx.AsyncClient(timeout=15) as client:
        # The other replica picks the import up through the KB version stamp.
        await wait_for(
            lambda: _knows_kb(client, replicas[1]), timeout=15, what="replica b's KB refresh"
        )
        results = await asyncio.gather(*(send(client, n, w) for n, w in enumerate(customers)))
    assert Counter(s for statuses in results for s in statuses) == Counter(
        {200: MESSAGES + DUPLICATED}
    )

    assert len(customers) == MESSAGES
    await ledger.check_each_answered_once(service_db, graph, customers)


async def test_one_server_with_three_worker_children_answers_each_message_once(
    router_process: ProcessFactory, graph: FakeGraphApi, service_db: str
) -> None:
    """ROUTER_WORKER_PROCESSES=3: the children claim from one inbox and one outbox, as
    replicas' workers do, and every customer gets one answer."""
    server = router_process("server", worker_processes="3")
    await server.start_ready()
    assert server.process is not None
    pid = server.process.pid
    await wait_for(lambda: len(children(pid)) == 3, timeout=15, what="three worker children")
    await load_kb(server.base_url, ARTICLES)
    customers = [f"6281900{n:05d}" for n in range(MESSAGES)]
    slots = asyncio.Semaphore(CONCURRENCY)

    async def send(client: httpx.AsyncClient, n: int, wa_id: str) -> int:
        body = whatsapp_text(
            wa_id=wa_id, wamid=f"wamid.kids.{wa_id}", text=QUESTIONS[n % len(QUESTIONS)]
        )
        async with slots:
            return await deliver(client, server.base_url, body)

    async with httpx.AsyncClient(timeout=15) as client:
        statuses = await asyncio.gather(*(send(client, n, w) for n, w in enumerate(customers)))
    assert Counter(statuses) == Counter({200: MESSAGES})
    await ledger.check_each_answered_once(service_db, graph, customers)
    assert len(children(pid)) == 3  # none died on the way


async def test_concurrent_claims_through_both_replicas(
    router_process: ProcessFactory, graph: FakeGraphApi
) -> None:
    replicas = [router_process("replica-a"), router_process("replica-b")]
    await asyncio.gather(*(r.start_ready() for r in replicas))
    async with httpx.AsyncClient(timeout=15) as client:
        agents = []
        for replica in replicas:
            response = await client.post(
                replica.base_url + "/api/v1/agents",
                json={"name": f"Agen {replica.name}"},
                headers=ADMIN_HEADERS,
            )
            assert response.status_code == 201, response.text
            agents.append(response.json())
        for n in range(HANDOFFS):
            wa_id = f"6281900{n:05d}"
            body = whatsapp_button(
                wa_id=wa_id, wamid=f"wamid.help.{wa_id}", button_id="escalate", title="Bantuan"
            )
            assert await deliver(client, replicas[n % 2].base_url, body) == 200

        # Acknowledged means stored: the replicas' inbox processors open the handoffs.
        handoff_ids: list[int] = []
        async with asyncio.timeout(15):
            while len(handoff_ids) < HANDOFFS:
                queue = await client.get(
                    replicas[1].base_url + "/api/v1/handoffs",
                    params={"status": "waiting"},
                    headers=ADMIN_HEADERS,
                )
                assert queue.status_code == 200, queue.text
                handoff_ids = [item["id"] for item in queue.json()["items"]]
                await asyncio.sleep(0.05)
        assert len(handoff_ids) == HANDOFFS

        async def claim(replica: RouterProcess, agent: dict[str, str], handoff_id: int) -> int:
            response = await client.post(
                f"{replica.base_url}/api/v1/handoffs/{handoff_id}/claim",
                headers={"Authorization": f"Bearer {agent['token']}"},
            )
            if response.status_code == 409:
                assert response.json()["error"]["code"] == "already_claimed"
            return response.status_code

        for handoff_id in handoff_ids:
            statuses = await asyncio.gather(
                *(claim(r, a, handoff_id) for r, a in zip(replicas, agents, strict=True))
            )
            assert sorted(statuses) == [200, 409], (handoff_id, statuses)

        waiting = await client.get(
            replicas[0].base_url + "/api/v1/handoffs",
            params={"status": "waiting"},
            headers=ADMIN_HEADERS,
        )
        assert waiting.json()["items"] == []
