"""The outbox worker against a fake Graph API over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.types import Reply
from app.config import Settings
from app.db import utcnow
from app.outbox.worker import (
    SEND_CONCURRENCY,
    deliver_due,
    graph_client,
    outbox_lanes,
    outbox_worker,
)
from app.types import Channel, DeliveryStatus, OutboxStatus
from tests.fakes.fixtures import MS_OTHER_PAGE, MS_OTHER_TOKEN, MS_TOKEN, WA_TOKEN
from tests.fakes.graph_api import FakeGraphApi, meta_error, status
from tests.outbox.helpers import (
    PAGE_ID,
    PHONE_ID,
    answer_reply,
    message,
    outbox_rows,
    queue_replies,
)

LATER = timedelta(hours=2)  # past any backoff in these settings (max 60 s)


async def queue_pairs(session: AsyncSession, prefix: str, customers: int, *, now: datetime) -> None:
    """Two replies, "<n>-a" then "<n>-b", for each of ``customers`` customers."""
    for n in range(customers):
        await queue_replies(
            session,
            external_id=f"{prefix}{n:04d}",
            replies=[Reply(text=f"{n}-a"), Reply(text=f"{n}-b")],
            now=now,
        )


def assert_pairs_in_order(bodies: list[str], customers: int) -> None:
    """Every pair sent once, and each customer's "a" before their "b"."""
    assert sorted(bodies) == sorted(f"{n}-{x}" for n in range(customers) for x in "ab")
    for n in range(customers):
        assert bodies.index(f"{n}-a") < bodies.index(f"{n}-b")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def test_whatsapp_reply_is_sent_through_its_number_and_records_the_wamid(
    app: FastAPI, session: AsyncSession, graph_api: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    now = utcnow()
    _, (sent,) = await queue_replies(session, replies=[answer_reply()], now=now)

    attempts = await deliver_due(app.state.sessionmaker, http, app.state.settings, now=now)

    assert attempts == 1
    (request,) = graph_api.requests
    assert request.path == f"/v21.0/{PHONE_ID}/messages"
    assert request.authorization == f"Bearer {WA_TOKEN}"
    assert request.json["type"] == "interactive"
    assert request.json["to"] == "628111000001"
    stored = await message(session, sent)
    assert stored.platform_message_id == request.message_id
    assert stored.delivery_status == DeliveryStatus.sent
    (row,) = await outbox_rows(session)
    assert (row.status, row.attempts, row.sent_at) == (OutboxStatus.sent, 1, now)


async def test_messenger_reply_uses_the_token_of_the_page_it_came_in_on(
    app: FastAPI, session: AsyncSession, graph_api: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    now = utcnow()
    await queue_replies(
        session, channel=Channel.messenger, external_id="psid-1", account_id=PAGE_ID, now=now
    )
    await queue_replies(
        session, channel=Channel.messenger, external_id="psid-2", account_id=MS_OTHER_PAGE, now=now
    )

    await deliver_due(app.state.sessionmaker, http, app.state.settings, now=now)

    by_recipient = {r.json["recipient"]["id"]: r for r in graph_api.requests}
    assert by_recipient["psid-1"].authorization == f"Bearer {MS_TOKEN}"
    assert by_recipient["psid-2"].authorization == f"Bearer {MS_OTHER_TOKEN}"
    assert {r.path for r in graph_api.requests} == {"/v21.0/me/messages"}
    assert all(r.status == OutboxStatus.sent for r in await outbox_rows(session))


@pytest.mark.parametrize(
    "answer",
    [
        status(500),
        status(503),
        status(429, **{"Retry-After": "30"}),
        meta_error(130429),
        meta_error(131056, http_status=429),
    ],
)
async def test_transient_errors_are_retried_later_with_backoff(
    app: FastAPI,
    session: AsyncSession,
    graph_api: FakeGraphApi,
    http: httpx.AsyncClient,
    answer: object,
) -> None:
    now = utcnow()
    _, (sent,) = await queue_replies(session, now=now)
    graph_api.script(answer)  # type: ignore[arg-type]

    await deliver_due(app.state.sessionmaker, http, app.state.settings, now=now)
    (row,) = await outbox_rows(session)
    assert row.status == OutboxStatus.pending
    assert row.attempts == 1
    assert row.last_error
    # Backoff: not due again right away (base 1 s, jittered to at least 0.5 s).
    assert row.next_attempt_at >= now + timedelta(seconds=0.5)
    assert await deliver_due(app.state.sessionmaker, http, app.state.settings, now=now) == 0

    await deliver_due(app.state.sessionmaker, http, app.state.settings, now=now + LATER)
    assert [r.answered for r in graph_api.requests] == [answer.status, 200]  # type: ignore[attr-defined]
    (row,) = await outbox_rows(session)
    assert (row.status, row.attempts) == (OutboxStatus.sent, 2)
    assert (await message(session, sent)).delivery_status == DeliveryStatus.sent


async def test_retry_after_header_is_respected(
    app: FastAPI, session: AsyncSession, graph_api: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    now = utcnow()
    await queue_replies(session, now=now)
    graph_api.script(status(429, **{"Retry-After": "40"}))
    await deliver_due(app.state.sessionmaker, http, app.state.settings, now=now)
    (row,) = await outbox_rows(session)
    assert row.next_attempt_at >= now + timedelta(seconds=40)


async def test_window_closed_fails_at_once_with_a_clear_reason(
    app: FastAPI, session: AsyncSession, graph_api: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    now = utcnow()
    _, (sent,) = await queue_replies(session, now=now)
    graph_api.script(meta_error(131047, details="more than 24 hours have passed"))

    await deliver_due(app.state.sessionmaker, http, app.state.settings, now=now)
    await deliver_due(app.state.sessionmaker, http, app.state.settings, now=now + LATER)

    assert len(graph_api.requests) == 1  # never retried
    (row,) = await outbox_rows(session)
    assert row.status == OutboxStatus.failed
    assert row.last_error is not None
    assert row.last_error.startswith("window_closed")
    assert "131047" in row.last_error
    assert "24 hours" in row.last_error
    stored = await message(session, sent)
    assert stored.delivery_status == DeliveryStatus.failed
    assert stored.delivery_error == row.last_error


async def test_permanent_error_fails_and_the_next_reply_still_goes_out(
    app: FastAPI, session: AsyncSession, graph_api: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    now = utcnow()
    await queue_replies(session, replies=[Reply(text="satu"), Reply(text="dua")], now=now)
    graph_api.script(meta_error(131026, details="undeliverable"))

    await deliver_due(app.state.sessionmaker, http, app.state.settings, now=now)

    first, second = await outbox_rows(session)
    assert first.status == OutboxStatus.failed
    assert "131026" in (first.last_error or "")
    assert second.status == OutboxStatus.sent
    assert [r.json["text"]["body"] for r in graph_api.requests] == ["satu", "dua"]


async def test_gives_up_after_max_attempts(
    app: FastAPI, session: AsyncSession, graph_api: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    settings: Settings = app.state.settings
    now = utcnow()
    await queue_replies(session, now=now)
    graph_api.outage = True
    for hour in range(settings.outbox_max_attempts + 2):
        await deliver_due(app.state.sessionmaker, http, settings, now=now + timedelta(hours=hour))
    assert len(graph_api.requests) == settings.outbox_max_attempts
    (row,) = await outbox_rows(session)
    assert row.status == OutboxStatus.failed
    assert (row.last_error or "").startswith(f"gave up after {settings.outbox_max_attempts}")


async def test_network_errors_are_retried(
    app: FastAPI, session: AsyncSession, graph_api: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    now = utcnow()
    await queue_replies(session, now=now)
    await graph_api.stop()  # nothing listens on the port any more
    await deliver_due(app.state.sessionmaker, http, app.state.settings, now=now)
    (row,) = await outbox_rows(session)
    assert row.status == OutboxStatus.pending
    assert (row.last_error or "").startswith("network error")


async def test_a_throttled_recipient_holds_back_only_its_own_later_replies(
    app: FastAPI, session: AsyncSession, graph_api: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    now = utcnow()
    await queue_replies(
        session, external_id="62811A", replies=[Reply(text="A1"), Reply(text="A2")], now=now
    )
    await queue_replies(session, external_id="62811B", replies=[Reply(text="B1")], now=now)
    graph_api.script(meta_error(131056, http_status=429))  # A1's first attempt

    await deliver_due(app.state.sessionmaker, http, app.state.settings, now=now)
    assert [r.json["text"]["body"] for r in graph_api.delivered] == ["B1"]

    await deliver_due(app.state.sessionmaker, http, app.state.settings, now=now + LATER)
    assert [r.json["text"]["body"] for r in graph_api.delivered] == ["B1", "A1", "A2"]


async def test_two_workers_at_once_send_every_row_exactly_once(
    app: FastAPI, session: AsyncSession, graph_api: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    now = utcnow()
    await queue_pairs(session, "62812", 8, now=now)

    counts = await asyncio.gather(
        *(
            deliver_due(app.state.sessionmaker, http, app.state.settings, now=now, batch_size=3)
            for _ in range(3)
        )
    )

    bodies = [r.json["text"]["body"] for r in graph_api.requests]
    assert sum(counts) == len(bodies) == 16
    assert_pairs_in_order(bodies, 8)
    assert all(r.status == OutboxStatus.sent for r in await outbox_rows(session))


async def test_lanes_overlap_their_round_trips_and_keep_each_customers_order(
    app: FastAPI, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    graph_api.latency = 0.05  # rounds take a while, as Meta's do
    now = utcnow()
    await queue_pairs(session, "62814", 40, now=now)
    settings = app.state.settings.model_copy(update={"outbox_concurrency": 48})
    async with graph_client(settings) as client:
        worker = outbox_worker(app.state.sessionmaker, client, settings)
        assert await worker.job() == 80

    bodies = [r.json["text"]["body"] for r in graph_api.requests]
    assert_pairs_in_order(bodies, 40)
    # A lane holds at most SEND_CONCURRENCY requests: more at once means lanes overlapped.
    if outbox_lanes(settings) > 1:
        assert graph_api.most_in_flight > SEND_CONCURRENCY
    else:  # SQLite: one lane
        assert graph_api.most_in_flight <= SEND_CONCURRENCY


async def test_stopping_records_the_sends_under_way_and_claims_no_more(
    app: FastAPI, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    """A deploy stops the worker mid-round: what went out is recorded as sent (else it would
    go out again when its lease ran out), and nothing new is claimed."""
    graph_api.latency = 0.3
    now = utcnow()
    await queue_pairs(session, "62815", 4, now=now)
    settings = app.state.settings
    async with graph_client(settings) as client:
        worker = outbox_worker(app.state.sessionmaker, client, settings)
        worker.start()
        async with asyncio.timeout(10):
            while graph_api.in_flight < 4:
                await asyncio.sleep(0.01)
        await worker.stop()

    rows = {r.payload["text"]["body"]: r for r in await outbox_rows(session)}
    delivered = sorted(r.json["text"]["body"] for r in graph_api.requests)
    assert delivered == [f"{n}-a" for n in range(4)]
    assert all(rows[body].status == OutboxStatus.sent for body in delivered)
    later = [rows[f"{n}-b"] for n in range(4)]
    assert [(r.status, r.attempts) for r in later] == [(OutboxStatus.pending, 0)] * 4


def test_concurrency_becomes_lanes_of_one_client_each_and_sqlite_gets_one(
    settings: Settings,
) -> None:
    postgres = settings.model_copy(
        update={"database_url": "postgresql+asyncpg://db/x", "outbox_concurrency": 40}
    )
    assert outbox_lanes(postgres) == 3
    assert outbox_lanes(postgres.model_copy(update={"outbox_concurrency": 1})) == 1
    sqlite = settings.model_copy(
        update={"database_url": "sqlite+aiosqlite:///x.db", "outbox_concurrency": 128}
    )
    assert outbox_lanes(sqlite) == 1


async def test_an_outage_that_heals_delivers_everything_once_and_in_order(
    app: FastAPI, session: AsyncSession, graph_api: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    now = utcnow()
    customers = [f"62813{n:04d}" for n in range(5)]
    for customer in customers:
        await queue_replies(
            session,
            external_id=customer,
            replies=[Reply(text=f"{customer}/{i}") for i in range(3)],
            now=now,
        )
    graph_api.outage = True
    clock = now
    for _ in range(3):  # the platform is down for a while; the worker keeps trying
        await deliver_due(app.state.sessionmaker, http, app.state.settings, now=clock)
        clock += timedelta(minutes=5)
    assert graph_api.requests
    assert not graph_api.delivered
    graph_api.outage = False
    for _ in range(3):
        await deliver_due(app.state.sessionmaker, http, app.state.settings, now=clock)
        clock += timedelta(minutes=5)

    delivered = [r.json["text"]["body"] for r in graph_api.delivered]
    assert sorted(delivered) == sorted(f"{c}/{i}" for c in customers for i in range(3))
    for customer in customers:
        mine = [d for d in delivered if d.startswith(customer)]
        assert mine == [f"{customer}/{i}" for i in range(3)]
    assert all(r.status == OutboxStatus.sent for r in await outbox_rows(session))
