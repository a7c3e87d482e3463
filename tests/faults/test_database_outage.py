"""The database goes away mid-load (PostgreSQL): webhooks answer 503 and /readyz turns 503
while it is gone, the service recovers by itself when it returns, and every acknowledged
message is answered exactly once.

"Gone" without touching the shared server: the service's database stops accepting
connections (``ALLOW_CONNECTIONS false`` binds superusers too) and every session on it is
terminated, repeatedly, for a couple of seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import make_url

from tests.fakes.graph_api import FakeGraphApi
from tests.faults import ledger
from tests.faults.conftest import ProcessFactory, admin_sql
from tests.faults.harness import deliver, load_kb, wait_for, whatsapp_text
from tests.faults.scenario import ARTICLES, QUESTIONS

pytestmark = pytest.mark.faults

MESSAGES = 150
CONCURRENCY = 16
BEFORE_OUTAGE = 40  # answered before the database goes away
IN_OUTAGE = 30  # first sent once it is gone
MIN_OUTAGE_SECONDS = 2.0


def _terminate(database: str) -> str:
    return (
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        f" WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    )


@pytest.mark.usefixtures("postgres_only")
async def test_database_outage_mid_load(
    router_process: ProcessFactory, graph: FakeGraphApi, service_db: str
) -> None:
    database = make_url(service_db).database
    assert database is not None
    router = router_process()
    await router.start_ready()
    await load_kb(router.base_url, ARTICLES)
    customers = [f"6281700{n:05d}" for n in range(MESSAGES)]
    statuses: dict[str, list[int]] = {w: [] for w in customers}
    outage_seen: Counter[str] = Counter()
    slots = asyncio.Semaphore(CONCURRENCY)

    async def send(client: httpx.AsyncClient, n: int, wa_id: str) -> None:
        body = whatsapp_text(
            wa_id=wa_id, wamid=f"wamid.dbdown.{wa_id}", text=QUESTIONS[n % len(QUESTIONS)]
        )
        async with slots:
            await deliver(
                client, router.base_url, body, timeout=60, on_attempt=statuses[wa_id].append
            )

    cut = asyncio.Event()

    async def send_when_cut(client: httpx.AsyncClient, n: int, wa_id: str) -> None:
        await cut.wait()
        await send(client, n, wa_id)

    def acks(group: list[str]) -> int:
        return sum(200 in statuses[w] for w in group)

    async def outage(client: httpx.AsyncClient) -> None:
        await wait_for(lambda: acks(during) >= 10, timeout=30, what="load before the outage")
        await admin_sql([f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'])
        try:
            await admin_sql([_terminate(database)])
            cut.set()  # these messages are sure to arrive while the database is away
            started = time.monotonic()
            while time.monotonic() - started < MIN_OUTAGE_SECONDS or not (
                outage_seen["readyz"] and outage_seen["webhook"]
            ):
                assert time.monotonic() - started < 20, f"no 503s seen: {outage_seen}"
                await admin_sql([_terminate(database)])
                if (await client.get(router.base_url + "/readyz")).status_code == 503:
                    outage_seen["readyz"] += 1
                if any(503 in statuses[w] for w in customers):
                    outage_seen["webhook"] += 1
                await asyncio.sleep(0.2)
        finally:
            await admin_sql([f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'])

    before, during, after = (
        customers[:BEFORE_OUTAGE],
        customers[BEFORE_OUTAGE:-IN_OUTAGE],
        customers[-IN_OUTAGE:],
    )
    async with httpx.AsyncClient(timeout=10) as client:
        await asyncio.gather(*(send(client, n, w) for n, w in enumerate(before)))
        await asyncio.gather(
            outage(client),
            *(send(client, n, w) for n, w in enumerate(during, BEFORE_OUTAGE)),
            *(send_when_cut(client, n, w) for n, w in enumerate(after, MESSAGES - IN_OUTAGE)),
        )
        # Recovered by itself: the same process, no restart.
        assert router.process is not None
        assert router.process.poll() is None
        assert (await client.get(router.base_url + "/readyz")).status_code == 200

    final = Counter(seen[-1] for seen in statuses.values())
    assert final == Counter({200: MESSAGES}), final
    answered = Counter(s for seen in statuses.values() for s in seen)
    assert set(answered) <= {200, 503}, f"only 503 while the database is away: {answered}"

    assert len(customers) == MESSAGES
    await ledger.check_each_answered_once(service_db, graph, customers)
