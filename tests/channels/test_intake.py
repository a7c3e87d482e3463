"""End to end: signed webhook -> engine -> outbox -> fake Graph API (real HTTP)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.engine import ConversationEngine
from app.config import Settings
from app.conversations.models import Contact, Message
from app.db import utcnow
from app.inbox.models import InboxItem
from app.main import create_app
from app.outbox.models import OutboxItem
from app.outbox.worker import deliver_due
from app.types import Direction
from tests.bot.kb_fixture import load_test_kb
from tests.channels.webhook_client import (
    ms_text,
    pending_events,
    post_messenger,
    post_whatsapp,
    wa_status,
    wa_text,
)
from tests.fakes.fixtures import MS_OTHER_PAGE, MS_OTHER_TOKEN, WA_TOKEN, fixture_json
from tests.fakes.graph_api import FakeGraphApi

pytestmark = pytest.mark.usefixtures("bot")


async def count(
    session: AsyncSession, model: type[Message] | type[OutboxItem], *where: object
) -> int:
    value = await session.scalar(select(func.count()).select_from(model).where(*where))  # type: ignore[arg-type]
    await session.commit()
    return int(value or 0)


async def process_inbox(app: FastAPI) -> int:
    """What the inbox worker does right after a webhook's 200 (workers are off in tests)."""
    processed: int = await app.state.inbox.run()
    return processed


async def deliver(app: FastAPI, *, at: timedelta = timedelta(0)) -> int:
    """Answer what the webhooks stored, then send what is due."""
    await process_inbox(app)
    async with httpx.AsyncClient() as http:
        return await deliver_due(
            app.state.sessionmaker, http, app.state.settings, now=utcnow() + at
        )


@pytest.fixture
async def kb(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    await load_test_kb(client, admin_headers)


async def test_whatsapp_fixture_is_answered_through_the_number_it_came_in_on(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    # The fixture is from the past: accept old messages for this test.
    app.state.settings = app.state.settings.model_copy(update={"inbound_max_age_seconds": 10**10})
    body = json.dumps(fixture_json("wa_text.json")).encode()

    response = await post_whatsapp(client, body)

    assert response.status_code == 200, response.text
    assert response.json()["messages"] == 1
    assert await process_inbox(app) == 1
    contact = await session.scalar(select(Contact))
    assert contact is not None
    assert (contact.external_id, contact.display_name, contact.account_id) == (
        "447700900123",
        "Priya Shah",
        "109876543210987",
    )
    rows = list(await session.scalars(select(OutboxItem)))
    await session.commit()
    assert rows
    assert {r.account_id for r in rows} == {"109876543210987"}

    assert await deliver(app) == len(rows)
    assert {r.path for r in graph_api.requests} == {"/v21.0/109876543210987/messages"}
    assert {r.authorization for r in graph_api.requests} == {f"Bearer {WA_TOKEN}"}
    assert {r.json["to"] for r in graph_api.requests} == {"447700900123"}


async def test_a_kb_answer_goes_out_with_fitted_feedback_buttons(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    graph_api: FakeGraphApi,
    kb: None,
) -> None:
    response = await post_whatsapp(
        client, wa_text("berapa lama waktu pengiriman paket", wamid="wamid.kb1")
    )
    assert response.status_code == 200
    await deliver(app)
    interactive = [
        r.json["interactive"] for r in graph_api.requests if r.json["type"] == "interactive"
    ]
    assert interactive, [r.json for r in graph_api.requests]
    titles = {
        b["reply"]["id"]: b["reply"]["title"]
        for i in interactive
        if i["type"] == "button"
        for b in i["action"]["buttons"]
    } or {
        row["id"]: row["title"]
        for i in interactive
        for section in i["action"]["sections"]
        for row in section["rows"]
    }
    assert titles["escalate"] == "Butuh bantuan lanjut"


async def test_a_redelivered_message_is_acknowledged_and_ignored(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    body = json.dumps(wa_text("halo kak", wamid="wamid.dup1")).encode()
    first = await post_whatsapp(client, body)
    await process_inbox(app)
    outbox_after_first = await count(session, OutboxItem)
    second = await post_whatsapp(client, body)
    assert await process_inbox(app) == 0

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["duplicates"] == 1
    assert await count(session, Message, Message.direction == Direction.inbound) == 1
    assert outbox_after_first > 0
    assert await count(session, OutboxItem) == outbox_after_first


async def test_two_identical_deliveries_at_once_store_one_message_and_one_reply(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    body = json.dumps(wa_text("halo kak", wamid="wamid.race1")).encode()

    first, second = await asyncio.gather(post_whatsapp(client, body), post_whatsapp(client, body))

    assert (first.status_code, second.status_code) == (200, 200)
    assert sorted([first.json()["duplicates"], second.json()["duplicates"]]) == [0, 1]
    assert await process_inbox(app) == 1
    assert await count(session, Message, Message.direction == Direction.inbound) == 1
    replies = await count(session, Message, Message.direction == Direction.outbound)
    assert replies >= 1
    await deliver(app)
    assert len(graph_api.delivered) == await count(session, OutboxItem)
    assert len({r.message_id for r in graph_api.delivered}) == len(graph_api.delivered)


async def test_media_gets_a_polite_please_type_reply(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    payload = wa_text("x", wamid="wamid.img1")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["type"] = "image"
    del message["text"]
    message["image"] = {"id": "media-9", "mime_type": "image/jpeg", "sha256": "abc"}

    assert (await post_whatsapp(client, payload)).status_code == 200
    await deliver(app)

    (request,) = graph_api.requests
    interactive = request.json["interactive"]
    assert "ketik" in interactive["body"]["text"]
    assert [b["reply"]["id"] for b in interactive["action"]["buttons"]] == ["escalate"]


async def test_delivery_statuses_only_move_forward(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    await post_whatsapp(client, wa_text("halo", wamid="wamid.st1"))
    await deliver(app)
    wamid = graph_api.delivered[-1].message_id
    assert wamid is not None

    async def state() -> tuple[str | None, str | None]:
        row = (
            await session.execute(
                select(Message.delivery_status, Message.delivery_error).where(
                    Message.platform_message_id == wamid
                )
            )
        ).one()
        await session.commit()
        return row[0], row[1]

    assert await state() == ("sent", None)
    for status, expected in [
        ("read", "read"),  # "read" may come without "delivered"
        ("delivered", "read"),  # late and out of order: ignored
        ("sent", "read"),
        ("failed", "read"),
    ]:
        response = await post_whatsapp(client, wa_status(wamid, status, error_code=131026))
        assert response.status_code == 200
        assert await process_inbox(app) == 1
        assert (await state())[0] == expected
    again = await post_whatsapp(client, wa_status(wamid, "read"))
    assert again.json()["statuses"] == 0  # a re-delivered report
    unknown = await post_whatsapp(client, wa_status("wamid.unknown", "read"))
    assert unknown.json()["statuses"] == 1
    assert await process_inbox(app) == 1  # it matches nothing and changes nothing


async def test_a_status_that_beats_the_outbox_is_applied_once_the_id_is_known(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    await post_whatsapp(client, wa_text("halo", wamid="wamid.st3"))
    await process_inbox(app)  # the reply waits in the outbox, without a platform id yet
    wamid = "wamid.FAKE000001"  # what the fake Graph API will call the first reply
    await post_whatsapp(client, wa_status(wamid, "delivered"))
    now = utcnow()
    assert await app.state.inbox.run(now=now) == 1  # not ours yet: it waits

    await deliver(app)
    assert graph_api.delivered[0].message_id == wamid
    assert await app.state.inbox.run(now=now + timedelta(seconds=30)) == 1

    status = await session.scalar(
        select(Message.delivery_status).where(Message.platform_message_id == wamid)
    )
    await session.commit()
    assert status == "delivered"
    assert await pending_events(session) == 0


async def test_a_status_for_an_id_that_never_appears_is_dropped_after_a_minute(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await post_whatsapp(client, wa_status("wamid.someone-else", "read"))
    now = utcnow()
    assert await app.state.inbox.run(now=now) == 1
    assert await app.state.inbox.run(now=now + timedelta(seconds=30)) == 1  # still waiting
    assert await app.state.inbox.run(now=now + timedelta(minutes=2)) == 1  # given up: done
    item = await session.scalar(select(InboxItem))
    await session.commit()
    assert item is not None
    assert (item.outcome, item.attempts) == ("done", 0)


async def test_a_failed_status_records_the_platform_reason(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    await post_whatsapp(client, wa_text("halo", wamid="wamid.st2"))
    await deliver(app)
    wamid = graph_api.delivered[-1].message_id
    await post_whatsapp(client, wa_status(str(wamid), "failed", error_code=131026))
    await process_inbox(app)
    message = await session.scalar(select(Message).where(Message.platform_message_id == wamid))
    await session.commit()
    assert message is not None
    assert message.delivery_status == "failed"
    assert (message.delivery_error or "").startswith("131026")


async def test_messenger_text_quick_reply_and_echo(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"inbound_max_age_seconds": 10**10})
    for name in ("messenger_text.json", "messenger_quick_reply.json", "messenger_echo.json"):
        response = await post_messenger(client, json.dumps(fixture_json(name)).encode())
        assert response.status_code == 200, response.text
    assert await process_inbox(app) == 2  # the echo is not even stored
    assert await count(session, Message, Message.direction == Direction.inbound) == 2
    await deliver(app)
    assert graph_api.delivered
    assert {r.path for r in graph_api.requests} == {"/v21.0/me/messages"}
    assert {r.json["recipient"]["id"] for r in graph_api.requests} == {"7012345678901234"}


async def test_messenger_replies_leave_through_the_page_written_to(
    app: FastAPI, client: httpx.AsyncClient, graph_api: FakeGraphApi
) -> None:
    response = await post_messenger(client, ms_text("halo", mid="m_other1", page=MS_OTHER_PAGE))
    assert response.status_code == 200
    await deliver(app)
    assert graph_api.requests
    assert {r.authorization for r in graph_api.requests} == {f"Bearer {MS_OTHER_TOKEN}"}


async def test_many_messages_in_one_post_are_all_handled(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    payload = wa_text("halo", wamid="wamid.batch0", wa_id="62810")
    value = payload["entry"][0]["changes"][0]["value"]
    for n in range(1, 4):
        value["messages"].append(
            {**value["messages"][0], "id": f"wamid.batch{n}", "from": f"6281{n}"}
        )
        value["contacts"].append({"profile": {"name": f"C{n}"}, "wa_id": f"6281{n}"})
    response = await post_whatsapp(client, payload)
    assert response.json()["messages"] == 4
    assert await process_inbox(app) == 4
    assert await count(session, Message, Message.direction == Direction.inbound) == 4


async def test_platform_outage_heals_and_every_reply_arrives_once_in_order(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, graph_api: FakeGraphApi
) -> None:
    graph_api.outage = True
    customers = [f"62899{n:03d}" for n in range(4)]
    for turn in range(3):
        for customer in customers:
            response = await post_whatsapp(
                client,
                wa_text(f"pertanyaan {turn}", wamid=f"wamid.{customer}.{turn}", wa_id=customer),
            )
            assert response.status_code == 200
        await deliver(app, at=timedelta(minutes=turn))
    assert not graph_api.delivered
    graph_api.outage = False
    for minute in range(10, 40, 5):
        await deliver(app, at=timedelta(minutes=minute))

    rows = list(await session.scalars(select(OutboxItem).order_by(OutboxItem.id)))
    await session.commit()
    assert {r.status for r in rows} == {"sent"}
    delivered = graph_api.delivered
    assert len(delivered) == len(rows)  # every reply once, none lost
    for customer in customers:
        expected = [r.payload for r in rows if r.recipient_key.endswith(f":{customer}")]
        assert [r.json for r in delivered if r.json["to"] == customer] == expected


@pytest.fixture
async def live_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app with its background workers running; the outbox polls only once a minute."""
    live = settings.model_copy(update={"run_workers": True, "outbox_poll_interval_seconds": 60})
    application = create_app(live)
    async with application.router.lifespan_context(application):
        application.state.bot = ConversationEngine(live, application.state.kb)
        yield application


async def test_replies_leave_right_after_the_commit_not_at_the_next_poll(
    live_app: FastAPI, graph_api: FakeGraphApi
) -> None:
    transport = httpx.ASGITransport(app=live_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as live_client:
        await asyncio.sleep(0.2)  # let the worker's first (empty) run pass
        response = await post_whatsapp(live_client, wa_text("halo", wamid="wamid.fast1"))
        assert response.status_code == 200
        async with asyncio.timeout(5):
            while not graph_api.delivered:
                await asyncio.sleep(0.02)
    assert graph_api.delivered[0].json["to"] == "6281100001"
