"""A handoff's service level from creation to the end, with controlled clocks: due times in
business hours, hit, missed, next-response breaches, warnings at 80 %, and the events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from app.sla.models import HandoffSla, ReplyWait
from tests.events.conftest import deliver, subscribe
from tests.fakes.receiver import EventReceiver
from tests.sla.conftest import Desk, add_policy, jkt


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def sla_of(client: httpx.AsyncClient, headers: dict[str, str], desk: Desk) -> Any:
    response = await client.get(f"/api/v1/handoffs/{desk.handoff_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["sla"]


def same_instant(text: str | None, moment: datetime) -> bool:
    return text is not None and datetime.fromisoformat(text) == moment


async def test_due_times_count_business_hours_only(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    policy = await add_policy(client, admin_headers, first_response_s=1800, resolution_s=8 * 3600)
    # Monday 11:50: 10 minutes before lunch, 20 after it.
    desk = await Desk.open(app, jkt(7, 11, 50))
    sla = await sla_of(client, admin_headers, desk)
    assert sla["policy"] == {"id": policy["id"], "name": "Standar"}
    assert same_instant(sla["first_response_due_at"], jkt(7, 13, 20))
    # 8 business hours: 10 min Monday morning, 4 h Monday afternoon, 3 h 50 Tuesday.
    assert same_instant(sla["resolution_due_at"], jkt(8, 11, 50))
    assert sla["next_response_due_at"] is None
    assert sla["status"] == "active"
    assert sla["breaches"] == []
    listed = await client.get("/api/v1/handoffs", headers=admin_headers)
    [item] = listed.json()["items"]
    assert item["sla"] == sla


async def test_around_the_clock_policy_ignores_business_hours(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await add_policy(client, admin_headers, first_response_s=3600, business_hours=False)
    desk = await Desk.open(app, jkt(12, 23, 30))  # Saturday night
    sla = await sla_of(client, admin_headers, desk)
    assert same_instant(sla["first_response_due_at"], jkt(13, 0, 30))


async def test_first_matching_policy_by_position_and_none_when_nothing_matches(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await add_policy(client, admin_headers, name="WhatsApp", channels=["whatsapp"], position=1)
    await add_policy(client, admin_headers, name="Semua", position=5)
    vip = await add_policy(client, admin_headers, name="Web cepat", channels=["webchat"])
    desk = await Desk.open(app, jkt(7, 9))
    assert (await sla_of(client, admin_headers, desk))["policy"]["id"] == vip["id"]
    for policy in (await client.get("/api/v1/sla-policies", headers=admin_headers)).json()["items"]:
        await client.delete(f"/api/v1/sla-policies/{policy['id']}", headers=admin_headers)
    later = await Desk.open(app, jkt(7, 10))
    assert await sla_of(client, admin_headers, later) is None
    # The first one keeps what it started with.
    assert (await sla_of(client, admin_headers, desk))["policy"]["name"] == "Web cepat"


async def test_met_in_time_is_a_hit(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await add_policy(client, admin_headers, next_response_s=600, resolution_s=7200)
    desk = await Desk.open(app, jkt(7, 9))
    await desk.claim(jkt(7, 9, 5))
    await desk.reply(jkt(7, 9, 10))
    await desk.customer(jkt(7, 9, 12))
    await desk.reply(jkt(7, 9, 20))
    assert await desk.check(jkt(7, 9, 30)) == 0  # nothing is due: nothing to look at
    await desk.resolve(jkt(7, 10))
    sla = await sla_of(client, admin_headers, desk)
    assert sla["status"] == "hit"
    assert sla["breaches"] == []
    async with app.state.sessionmaker() as session:
        row = await session.get_one(HandoffSla, desk.handoff_id)
        assert (row.first_response_status, row.next_response_status) == ("hit", "hit")
        assert row.resolution_status == "hit"
        assert row.check_at is None
        waits = (await session.scalars(select(ReplyWait.seconds))).all()
        assert waits == [480.0]


async def test_a_first_response_breach_is_noticed_and_sent_once(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    receiver: EventReceiver,
) -> None:
    await subscribe(client, admin_headers, receiver.url, ["sla.warning", "sla.breached"])
    await add_policy(client, admin_headers, first_response_s=1000)
    desk = await Desk.open(app, jkt(7, 9))
    assert await desk.check(jkt(7, 9, 10)) == 0
    assert await desk.check(jkt(7, 9, 13, 20)) == 1  # 800 s: the 80 % warning
    assert await desk.check(jkt(7, 9, 14)) == 0
    assert await desk.check(jkt(7, 9, 16, 45)) == 1  # the breach, 5 s late
    assert await desk.check(jkt(7, 9, 20)) == 0
    sla = await sla_of(client, admin_headers, desk)
    assert sla["status"] == "missed"
    [breach] = sla["breaches"]
    assert breach["metric"] == "first_response"
    assert same_instant(breach["due_at"], jkt(7, 9, 16, 40))
    assert same_instant(breach["at"], jkt(7, 9, 16, 45))
    # The agent's late reply does not record it again; resolving keeps it missed.
    await desk.claim(jkt(7, 9, 25))
    await desk.reply(jkt(7, 9, 30))
    await desk.resolve(jkt(7, 9, 40))
    assert (await sla_of(client, admin_headers, desk))["status"] == "missed"

    assert await deliver(app) == 2
    events = [r.event for r in receiver.delivered]
    assert [e["type"] for e in events] == ["sla.warning", "sla.breached"]
    for event in events:
        assert event["data"]["handoff"]["id"] == desk.handoff_id
        assert event["data"]["sla"]["metric"] == "first_response"
        assert event["data"]["sla"]["due_at"] == jkt(7, 9, 16, 40).astimezone(UTC).isoformat()


async def test_a_late_reply_before_the_job_records_the_breach_itself(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await add_policy(client, admin_headers, first_response_s=600)
    desk = await Desk.open(app, jkt(7, 16, 55))  # due Tuesday 08:05
    await desk.claim(jkt(8, 8, 0))
    await desk.reply(jkt(8, 8, 6))
    sla = await sla_of(client, admin_headers, desk)
    assert sla["status"] == "missed"
    assert [(b["metric"], b["at"]) for b in sla["breaches"]] == [
        ("first_response", utc(jkt(8, 8, 6)))
    ]
    assert await desk.check(jkt(8, 8, 10)) == 0  # nothing left for the job


async def test_next_response_breach_after_the_customer_writes_again(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await add_policy(client, admin_headers, first_response_s=600, next_response_s=1200)
    desk = await Desk.open(app, jkt(7, 11, 0))
    await desk.claim(jkt(7, 11, 1))
    await desk.customer(jkt(7, 11, 2))  # before any reply: the first response covers it
    await desk.reply(jkt(7, 11, 5))
    await desk.customer(jkt(7, 11, 50))  # 10 min before lunch; 20 min: due at 13:10
    await desk.customer(jkt(7, 11, 55))  # does not restart the clock
    sla = await sla_of(client, admin_headers, desk)
    assert same_instant(sla["next_response_due_at"], jkt(7, 13, 10))
    assert await desk.check(jkt(7, 12, 30)) == 0  # lunch: 80 % is at 13:06
    assert await desk.check(jkt(7, 13, 6, 5)) == 1
    assert await desk.check(jkt(7, 13, 10, 10)) == 1
    sla = await sla_of(client, admin_headers, desk)
    assert sla["status"] == "missed"
    assert [b["metric"] for b in sla["breaches"]] == ["next_response"]
    await desk.reply(jkt(7, 13, 20))
    sla = await sla_of(client, admin_headers, desk)
    assert sla["next_response_due_at"] is None
    assert len(sla["breaches"]) == 1
    # A new cycle, answered in time, does not undo the miss.
    await desk.customer(jkt(7, 13, 30))
    await desk.reply(jkt(7, 13, 31))
    async with app.state.sessionmaker() as session:
        waits = (await session.scalars(select(ReplyWait.seconds).order_by(ReplyWait.id))).all()
    assert waits == [5400.0, 60.0]  # wall-clock waits: 11:50 -> 13:20, 13:30 -> 13:31


async def test_resolution_missed_when_resolved_late(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await add_policy(client, admin_headers, first_response_s=3600, resolution_s=3600)
    desk = await Desk.open(app, jkt(11, 16, 30))  # Friday: due Saturday 09:30
    await desk.claim(jkt(11, 16, 31))
    await desk.reply(jkt(11, 16, 32))
    await desk.resolve(jkt(12, 9, 45))
    sla = await sla_of(client, admin_headers, desk)
    assert sla["status"] == "missed"
    assert [(b["metric"], b["due_at"]) for b in sla["breaches"]] == [
        ("resolution", utc(jkt(12, 9, 30)))
    ]


async def test_chatwoot_handoffs_get_no_policy(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    from app.types import Channel

    await add_policy(client, admin_headers)
    desk = await Desk.open(app, jkt(7, 9), channel=Channel.chatwoot)
    assert await sla_of(client, admin_headers, desk) is None
