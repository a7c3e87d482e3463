"""The conversations API for ops: list (filters, keyset cursor), one conversation, errors."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Conversation
from app.types import (
    Channel,
    ConversationStatus,
    EscalationReason,
    HandoffStatus,
    OutcomeKind,
    Sender,
)
from tests.factories import (
    make_agent,
    make_contact,
    make_conversation,
    make_handoff_record,
    make_inbound,
    make_message,
    make_outcome,
)

AT = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)  # 10:00 in Jakarta
WORDING = "voucher ulang tahun tidak bisa dipakai"


@dataclass
class World:
    confirmed: Conversation  # webchat, served "refund", confirmed
    escalated: Conversation  # whatsapp, served "refund", then a handoff resolved by Ani
    unresolved: Conversation  # messenger, the gap wording
    open: Conversation  # whatsapp, still with the bot, the gap wording
    handoff_id: int


async def _world(session: AsyncSession) -> World:
    confirmed = await make_conversation(
        session, channel=Channel.webchat, status=ConversationStatus.closed, created_at=AT
    )
    await make_inbound(session, conversation=confirmed, text="cara refund", understood_as="answer")
    await make_message(
        session, conversation=confirmed, sender=Sender.bot, text="Begini...", article_slug="refund"
    )
    await make_inbound(session, conversation=confirmed, action="helpful_yes", article_slug="refund")
    await make_outcome(
        session,
        conversation=confirmed,
        outcome=OutcomeKind.deflected_confirmed,
        article_slug="refund",
    )

    contact = await make_contact(session, channel=Channel.whatsapp, display_name="Sari")
    escalated = await make_conversation(
        session,
        contact=contact,
        status=ConversationStatus.closed,
        created_at=AT + timedelta(hours=1),
    )
    await make_inbound(session, conversation=escalated, text="refund saya", understood_as="answer")
    await make_message(
        session, conversation=escalated, sender=Sender.bot, text="Begini...", article_slug="refund"
    )
    await make_inbound(session, conversation=escalated, action="escalate")
    await make_outcome(
        session,
        conversation=escalated,
        outcome=OutcomeKind.escalated,
        reason=EscalationReason.button,
        article_slug="refund",
    )
    ani, _ = await make_agent(session, name="Ani")
    handoff = await make_handoff_record(
        session,
        conversation=escalated,
        status=HandoffStatus.resolved,
        agent=ani,
        created_at=AT + timedelta(hours=1, minutes=1),
        resolved_at=AT + timedelta(hours=1, minutes=20),
        csat_score=5,
    )
    await make_message(session, conversation=escalated, sender=Sender.agent, text="Sudah kak")

    unresolved = await make_conversation(
        session,
        channel=Channel.messenger,
        status=ConversationStatus.closed,
        created_at=AT + timedelta(hours=2),
    )
    await make_inbound(session, conversation=unresolved, text=WORDING, understood_as="none")
    await make_outcome(session, conversation=unresolved, outcome=OutcomeKind.unresolved)

    still_open = await make_conversation(
        session, channel=Channel.whatsapp, created_at=AT + timedelta(hours=3)
    )
    await make_inbound(session, conversation=still_open, action="escalate")  # no text first
    await make_inbound(session, conversation=still_open, text=WORDING, understood_as="suggest")
    await session.commit()
    return World(confirmed, escalated, unresolved, still_open, handoff.id)


@pytest.fixture
async def world(session: AsyncSession) -> World:
    return await _world(session)


async def _list(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    response = await client.get("/api/v1/conversations", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


async def test_list_is_newest_first_with_the_contract_fields(
    client: httpx.AsyncClient, admin_headers: dict[str, str], world: World
) -> None:
    body = await _list(client, admin_headers)

    assert _ids(body) == [
        c.id for c in (world.open, world.unresolved, world.escalated, world.confirmed)
    ]
    assert body["cursor"] is None
    escalated = body["items"][2]
    assert escalated == {
        "id": world.escalated.id,
        "channel": "whatsapp",
        "customer": {"name": "Sari", "external_id": escalated["customer"]["external_id"]},
        "status": "closed",
        "outcome": "escalated",
        "reason": "button",
        "created_at": "2026-05-04T04:00:00Z",
        "closed_at": None,
        "first_message": "refund saya",
        "labels": [],
    }
    first = body["items"][0]
    # Still open: no outcome; its first *text* is the wording, not the button press before it.
    assert (first["outcome"], first["status"], first["first_message"]) == (None, "bot", WORDING)


async def test_the_cursor_walks_every_row_once_even_on_equal_times(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    created = [
        (await make_conversation(session, created_at=AT + timedelta(minutes=i // 3))).id
        for i in range(7)
    ]  # three share each minute: the id breaks the tie
    await session.commit()

    seen: list[int] = []
    params: dict[str, Any] = {"limit": 2}
    pages = 0
    while True:
        body = await _list(client, admin_headers, **params)
        seen += _ids(body)
        pages += 1
        if body["cursor"] is None:
            break
        params["cursor"] = body["cursor"]
    assert pages == 4
    assert seen == sorted(created, key=lambda i: (created.index(i) // 3, i), reverse=True)
    assert len(set(seen)) == 7


async def test_filters(
    client: httpx.AsyncClient, admin_headers: dict[str, str], world: World
) -> None:
    async def ids(**params: Any) -> list[int]:
        return _ids(await _list(client, admin_headers, **params))

    assert await ids(channel="whatsapp") == [world.open.id, world.escalated.id]
    assert await ids(outcome="escalated") == [world.escalated.id]
    assert await ids(outcome="deflected") == [world.confirmed.id]
    assert await ids(outcome="deflected_assumed") == []
    assert await ids(outcome="open") == [world.open.id]
    assert await ids(reason="button") == [world.escalated.id]
    assert await ids(reason="frustration") == []
    assert await ids(article="refund") == [world.escalated.id, world.confirmed.id]
    assert await ids(article="refund", outcome="escalated") == [world.escalated.id]
    assert await ids(article="ongkir") == []
    assert await ids(text=WORDING) == [world.open.id, world.unresolved.id]
    assert await ids(text=[WORDING, "cara refund"], channel="messenger") == [world.unresolved.id]
    assert await ids(text="cara") == []  # whole wordings, not substrings
    assert await ids(text="Begini...") == []  # the customer's words, not the bot's
    # Local dates (Asia/Jakarta): 10:00 to 12:00 on the 4th; `to` is exclusive.
    assert await ids(**{"from": "2026-05-04T10:00", "to": "2026-05-04T12:00"}) == [
        world.escalated.id,
        world.confirmed.id,
    ]
    assert await ids(**{"from": "2026-05-05"}) == []
    assert len(await ids(**{"from": "2026-05-04", "to": "2026-05-04"})) == 4


async def test_one_conversation_with_outcome_handoff_and_the_handoffs_transcript(
    client: httpx.AsyncClient, admin_headers: dict[str, str], world: World
) -> None:
    response = await client.get(
        f"/api/v1/conversations/{world.escalated.id}", headers=admin_headers
    )
    assert response.status_code == 200, response.text
    body = response.json()

    assert (body["outcome"], body["reason"], body["article_slug"]) == (
        "escalated",
        "button",
        "refund",
    )
    assert body["first_message"] == "refund saya"
    assert body["handoff"] == {
        "id": world.handoff_id,
        "reason": "button",
        "status": "resolved",
        "agent_id": body["handoff"]["agent_id"],
        "agent_name": "Ani",
        "created_at": "2026-05-04T04:01:00Z",
        "claimed_at": None,
        "first_agent_reply_at": None,
        "resolved_at": "2026-05-04T04:20:00Z",
        "csat_score": 5,
    }
    assert [(m["sender"], m["text"]) for m in body["transcript"]] == [
        ("customer", "refund saya"),
        ("bot", "Begini..."),
        ("customer", None),
        ("agent", "Sudah kak"),
    ]
    assert body["transcript"][1]["article_slug"] == "refund"
    # One serialiser: exactly what agents see in the handoff.
    handoff = await client.get(f"/api/v1/handoffs/{world.handoff_id}", headers=admin_headers)
    assert body["transcript"] == handoff.json()["transcript"]

    plain = await client.get(f"/api/v1/conversations/{world.confirmed.id}", headers=admin_headers)
    assert plain.json()["handoff"] is None
    assert plain.json()["outcome"] == "deflected_confirmed"
    still_open = await client.get(f"/api/v1/conversations/{world.open.id}", headers=admin_headers)
    assert (still_open.json()["outcome"], still_open.json()["outcome_recorded_at"]) == (None, None)


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"cursor": "not-a-cursor"}, "invalid_cursor"),
        ({"cursor": _b64("2026-05-04T04:00:00|x")}, "invalid_cursor"),
        ({"cursor": _b64("2026-05-04T04:00:00|5")}, "invalid_cursor"),  # no offset
        ({"cursor": _b64("2026-05-04T04:00:00+00:00|0")}, "invalid_cursor"),
        ({"cursor": _b64("yesterday|5")}, "invalid_cursor"),
        ({"cursor": "x" * 500}, "invalid_cursor"),
        ({"channel": "telegram"}, "validation_error"),
        ({"outcome": "happy"}, "validation_error"),
        ({"reason": "bored"}, "validation_error"),
        ({"limit": "0"}, "validation_error"),
        ({"limit": "201"}, "validation_error"),
        ({"article": ""}, "validation_error"),
        ({"from": "2026-05-05", "to": "2026-05-01"}, "invalid_period"),
        ({"from": "soon"}, "invalid_date"),
        ({"text": [f"t{i}" for i in range(11)]}, "validation_error"),
        ({"text": "x" * 5000}, "validation_error"),
    ],
)
async def test_bad_parameters_are_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], params: dict[str, Any], code: str
) -> None:
    response = await client.get("/api/v1/conversations", params=params, headers=admin_headers)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


async def test_unknown_and_bad_ids(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    missing = await client.get("/api/v1/conversations/987654", headers=admin_headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "conversation_not_found"
    for bad in ("0", "abc", str(2**63)):
        response = await client.get(f"/api/v1/conversations/{bad}", headers=admin_headers)
        assert response.status_code == 422, bad
