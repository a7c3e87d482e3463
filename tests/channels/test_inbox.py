"""The webhook inbox: group-committed acknowledgements, then exactly-once, in-order handling."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.arrival import Arrival
from app.bot.engine import ConversationEngine
from app.bot.types import InboundMessage, InboundResult
from app.conversations.models import Contact, Message
from app.db import utcnow
from app.inbox.models import InboxItem
from app.inbox.processor import InboxProcessor, prune_inbox
from app.outbox.models import OutboxItem
from app.types import Direction
from tests.channels.webhook_client import pending_events, post_whatsapp, wa_text

pytestmark = pytest.mark.usefixtures("bot")


@dataclass
class FailingOn:
    """The real engine, except that it fails on one text a given number of times (after it
    wrote its effects, so the test sees whether they were rolled back)."""

    engine: ConversationEngine
    text: str
    failures: int
    seen: list[str] = field(default_factory=list)

    async def arrive(
        self, session: AsyncSession, batch: Sequence[tuple[InboundMessage, datetime]]
    ) -> list[Arrival]:
        return await self.engine.arrive(session, batch)

    async def handle(
        self,
        session: AsyncSession,
        inbound: InboundMessage,
        *,
        now: datetime,
        arrival: Arrival | None = None,
    ) -> InboundResult:
        result = await self.engine.handle(session, inbound, now=now, arrival=arrival)
        if inbound.text == self.text and self.failures > 0:
            self.failures -= 1
            self.fail(session)
        self.seen.append(f"{inbound.external_id}:{inbound.text}")
        return result

    def fail(self, session: AsyncSession) -> None:
        raise RuntimeError("engine bug")


class WritesBadRowOn(FailingOn):
    """Fails later, when the batch's writes are flushed: leaves a row the database refuses."""

    def fail(self, session: AsyncSession) -> None:
        session.add(Contact(channel="whatsapp", external_id=None))


async def post_texts(client: httpx.AsyncClient, messages: list[tuple[str, str, str]]) -> None:
    """Deliver (wamid, text, wa_id) text messages, one webhook each."""
    for wamid, text, wa_id in messages:
        assert (await post_whatsapp(client, wa_text(text, wamid=wamid, wa_id=wa_id))).is_success


def processor(app: FastAPI, handler: object) -> InboxProcessor:
    """A processor like the app's, with one lane: attempts are counted per claim, and a second
    lane could claim an event again right after the first rolled it back."""
    return InboxProcessor(
        app.state.sessionmaker,
        handler,  # type: ignore[arg-type]
        app.state.settings.model_copy(update={"inbox_concurrency": 1}),
        writer_queue=app.state.sqlite_writer_queue,
    )


async def inbound_texts(session: AsyncSession, wa_id: str) -> list[str | None]:
    rows = await session.scalars(
        select(Message.text)
        .join(Contact, Contact.id == Message.contact_id)
        .where(Contact.external_id == wa_id, Message.direction == Direction.inbound)
        .order_by(Message.id)
    )
    texts = list(rows)
    await session.commit()
    return texts


async def test_concurrent_deliveries_share_writes_and_each_learns_what_was_new(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # 30 requests for 20 distinct messages: 10 are re-deliveries racing their originals.
    bodies = [
        wa_text("halo", wamid=f"wamid.g{n % 20}", wa_id=f"62812{n % 20:03d}") for n in range(30)
    ]

    responses = await asyncio.gather(*(post_whatsapp(client, b) for b in bodies))

    assert {r.status_code for r in responses} == {200}
    assert sum(r.json()["messages"] for r in responses) == 20
    assert sum(r.json()["duplicates"] for r in responses) == 10
    assert app.state.inbox_writer.writes < len(bodies)
    stored = await session.scalar(select(func.count()).select_from(InboxItem))
    await session.commit()
    assert stored == 20
    assert await app.state.inbox.run() == 20
    messages = await session.scalar(select(func.count()).select_from(Message))
    assert (messages or 0) > 20  # with the replies


async def test_a_failing_event_is_rolled_back_alone_retried_and_holds_its_customer(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, bot: ConversationEngine
) -> None:
    # Twice: a failure inside a shared batch is first re-run on its own, then recorded.
    flaky = FailingOn(bot, "boom", failures=2)
    await post_texts(
        client,
        [
            ("wamid.a1", "boom", "62811"),
            ("wamid.a2", "halo", "62811"),
            ("wamid.b1", "halo", "62822"),
        ],
    )

    # One clock for the whole run: a slow machine must not make a1's retry due within it.
    now = utcnow()
    handled = await processor(app, flaky).run(now=now)

    assert handled == 2  # b1 handled; a1 failed and will be retried; a2 waits behind it
    assert flaky.seen == ["62822:halo"]
    assert await inbound_texts(session, "62811") == []  # a1's effects were rolled back
    failed = await session.scalar(select(InboxItem).where(InboxItem.dedupe_key == "wamid.a1"))
    await session.commit()
    assert failed is not None
    assert (failed.attempts, failed.processed_at) == (1, None)
    assert failed.last_error == "RuntimeError: engine bug"

    # Nothing is due before the backoff has passed ...
    assert await processor(app, flaky).run(now=now + timedelta(seconds=1)) == 0
    # ... then a1 succeeds and a2 follows it, in order.
    later = utcnow() + timedelta(minutes=10)
    assert await processor(app, flaky).run(now=later) == 2
    assert flaky.seen[1:] == ["62811:boom", "62811:halo"]
    assert await inbound_texts(session, "62811") == ["boom", "halo"]


async def test_a_row_refused_when_the_batch_is_written_fails_only_its_own_event(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, bot: ConversationEngine
) -> None:
    # The batch's writes are flushed once, after every event ran: the refusal must still be
    # pinned on the event that caused it, not on the batch or on whichever event was last.
    flaky = WritesBadRowOn(bot, "boom", failures=2)
    await post_texts(
        client,
        [
            ("wamid.c1", "halo", "62861"),
            ("wamid.c2", "boom", "62862"),
            ("wamid.c3", "halo", "62863"),
        ],
    )

    assert await processor(app, flaky).run(now=utcnow()) == 3

    items = {
        item.dedupe_key: item
        for item in await session.scalars(select(InboxItem).order_by(InboxItem.id))
    }
    await session.commit()
    assert [items[k].outcome for k in ("wamid.c1", "wamid.c2", "wamid.c3")] == [
        "done",
        None,
        "done",
    ]
    assert items["wamid.c2"].attempts == 1
    assert "IntegrityError" in (items["wamid.c2"].last_error or "")
    assert await inbound_texts(session, "62861") == ["halo"]
    assert await inbound_texts(session, "62862") == []
    assert await inbound_texts(session, "62863") == ["halo"]


async def test_an_event_that_keeps_failing_is_set_aside_and_its_customer_moves_on(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, bot: ConversationEngine
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"inbox_max_attempts": 2})
    flaky = FailingOn(bot, "boom", failures=100)
    await post_whatsapp(client, wa_text("boom", wamid="wamid.p1", wa_id="62833"))
    await post_whatsapp(client, wa_text("halo", wamid="wamid.p2", wa_id="62833"))

    now = utcnow()
    assert await processor(app, flaky).run(now=now) == 1
    assert await processor(app, flaky).run(now=now + timedelta(hours=1)) == 2

    rows = {
        item.dedupe_key: item
        for item in await session.scalars(select(InboxItem).order_by(InboxItem.id))
    }
    await session.commit()
    assert (rows["wamid.p1"].outcome, rows["wamid.p1"].attempts) == ("failed", 2)
    assert rows["wamid.p2"].outcome == "done"
    assert flaky.seen == ["62833:halo"]


async def test_two_processors_answer_each_customer_once_and_in_order(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, bot: ConversationEngine
) -> None:
    customers = [f"62844{n:02d}" for n in range(6)]
    for turn in range(4):
        for wa_id in customers:
            body = wa_text(f"pesan {turn}", wamid=f"wamid.{wa_id}.{turn}", wa_id=wa_id)
            assert (await post_whatsapp(client, body)).is_success
    app.state.settings = app.state.settings.model_copy(update={"inbox_batch_size": 3})
    first, second = processor(app, bot), processor(app, bot)

    counts = await asyncio.gather(first.run(), second.run())

    assert sum(counts) == 24
    for wa_id in customers:
        assert await inbound_texts(session, wa_id) == [f"pesan {t}" for t in range(4)]
    assert await pending_events(session) == 0


async def test_handled_events_are_pruned_after_the_retention_pending_ones_never(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await post_whatsapp(client, wa_text("halo", wamid="wamid.old", wa_id="62855"))
    await app.state.inbox.run()
    await post_whatsapp(client, wa_text("halo", wamid="wamid.new", wa_id="62866"))
    retention = timedelta(hours=app.state.settings.inbox_retention_hours)

    assert await prune_inbox(app.state.sessionmaker, app.state.settings, now=utcnow()) == 0
    later = utcnow() + retention + timedelta(minutes=1)
    assert await prune_inbox(app.state.sessionmaker, app.state.settings, now=later) == 1

    keys = list(await session.scalars(select(InboxItem.dedupe_key)))
    await session.commit()
    assert keys == ["wamid.new"]
    # The pruned message is still known: a very late re-delivery is not answered twice.
    again = await post_whatsapp(client, wa_text("halo", wamid="wamid.old", wa_id="62855"))
    assert again.json()["messages"] == 1
    await app.state.inbox.run()
    assert await inbound_texts(session, "62855") == ["halo"]


async def test_one_bad_event_in_a_batch_costs_the_others_nothing(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, bot: ConversationEngine
) -> None:
    flaky = FailingOn(bot, "boom", failures=100)
    for n, text in enumerate(["halo", "halo", "boom", "halo", "halo"]):
        await post_whatsapp(client, wa_text(text, wamid=f"wamid.m{n}", wa_id=f"6287{n}"))

    assert await processor(app, flaky).run() == 5

    for n, text in enumerate(["halo", "halo", "boom", "halo", "halo"]):
        assert await inbound_texts(session, f"6287{n}") == ([] if text == "boom" else [text])
    replies = await session.scalar(
        select(func.count()).select_from(Message).where(Message.direction == Direction.outbound)
    )
    await session.commit()
    assert replies == 4  # one each, none doubled by the re-run


async def test_pruning_goes_a_chunk_at_a_time_until_nothing_is_old(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    for n in range(5):
        await post_whatsapp(client, wa_text("halo", wamid=f"wamid.pr{n}", wa_id=f"6288{n}"))
    await app.state.inbox.run()
    later = utcnow() + timedelta(hours=app.state.settings.inbox_retention_hours, minutes=1)

    deleted = await prune_inbox(app.state.sessionmaker, app.state.settings, now=later, chunk=2)

    assert deleted == 5
    left = await session.scalar(select(func.count()).select_from(InboxItem))
    await session.commit()
    assert left == 0


async def test_admins_list_failed_events_and_send_one_back_to_the_engine(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    bot: ConversationEngine,
    admin_headers: dict[str, str],
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"inbox_max_attempts": 1})
    await post_whatsapp(client, wa_text("boom", wamid="wamid.adm1", wa_id="62899"))
    await processor(app, FailingOn(bot, "boom", failures=100)).run()

    listed = await client.get("/api/v1/inbox", headers=admin_headers)
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert (item["dedupe_key"], item["outcome"], item["attempts"]) == ("wamid.adm1", "failed", 1)
    assert item["last_error"] == "RuntimeError: engine bug"
    assert "payload" not in item  # no customer text in the admin list
    pending = await client.get("/api/v1/inbox", params={"status": "pending"}, headers=admin_headers)
    assert pending.json()["items"] == []

    retried = await client.post(f"/api/v1/inbox/{item['id']}/retry", headers=admin_headers)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["outcome"], retried.json()["attempts"]) == (None, 0)
    again = await client.post(f"/api/v1/inbox/{item['id']}/retry", headers=admin_headers)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "inbox_item_not_failed")
    missing = await client.post("/api/v1/inbox/999999/retry", headers=admin_headers)
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "inbox_item_not_found")

    assert await app.state.inbox.run() == 1  # the real engine now answers it
    assert await inbound_texts(session, "62899") == ["boom"]


async def test_a_batch_of_customers_costs_a_few_statements_not_a_few_per_message(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, backend: str
) -> None:
    if backend == "sqlite":
        # SQLAlchemy cannot match a multi-row INSERT's RETURNING rows to objects there.
        pytest.skip("on SQLite the ORM inserts new rows one statement each")
    await post_texts(
        client, [(f"wamid.s{n}", "gimana cara refund", f"62870{n:02d}") for n in range(20)]
    )
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
    try:
        assert await processor(app, app.state.bot).run(now=utcnow()) == 20
    finally:
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", count)

    # Claim, contacts, conversations (read and new), messages, the flush (replies, their
    # deliveries, state updates), the done mark, the backlog gauge, and the empty re-claim:
    # about a dozen for the batch, where a statement per step per message was over 150.
    assert len(statements) <= 20, statements
    for n in range(20):
        assert await inbound_texts(session, f"62870{n:02d}") == ["gimana cara refund"]
    outbox = await session.scalar(select(func.count()).select_from(OutboxItem))
    assert outbox == 20
