"""The conversation list behind each number of the article funnel (the dashboard's "Articles
to rewrite"), and the wording filter's paging: the same conversations the numbers count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Conversation
from app.types import ConversationStatus, EscalationReason, OutcomeKind, Sender
from tests.factories import make_conversation, make_inbound, make_message, make_outcome

DAY = datetime(2026, 5, 4, 3, 0, tzinfo=UTC)  # 10:00 on the 4th in Jakarta
PERIOD = {"from": "2026-05-04", "to": "2026-05-04"}  # that day, Jakarta time


@dataclass
class Funnel:
    helped: Conversation  # served A, rated helpful, deflected (ended on A)
    moved_on: Conversation  # served A, rated not helpful, then B, escalated (ended on B)
    escalated: Conversation  # served A, escalated (ended on A)
    twice: Conversation  # served A twice, assumed deflected
    overnight: Conversation  # started the evening before, A served after midnight
    still_open: Conversation  # served A, still with the bot
    elsewhere: Conversation  # served A the day after


async def _served(
    session: AsyncSession, conversation: Conversation, slug: str, at: datetime
) -> None:
    await make_message(
        session, conversation=conversation, sender=Sender.bot, text="Begini...", article_slug=slug,
        created_at=at,
    )  # fmt: skip


async def _conversation(session: AsyncSession, at: datetime, slugs: list[str]) -> Conversation:
    conversation = await make_conversation(session, status=ConversationStatus.closed, created_at=at)
    await make_inbound(session, conversation=conversation, text="tanya", created_at=at)
    for i, slug in enumerate(slugs):
        await _served(session, conversation, slug, at + timedelta(seconds=10 + i))
    return conversation


async def _funnel(session: AsyncSession) -> Funnel:
    helped = await _conversation(session, DAY, ["a"])
    await make_inbound(
        session, conversation=helped, action="helpful_yes", article_slug="a",
        created_at=DAY + timedelta(minutes=1),
    )  # fmt: skip
    await make_outcome(
        session, conversation=helped, outcome=OutcomeKind.deflected_confirmed, article_slug="a"
    )

    moved_on = await _conversation(session, DAY + timedelta(hours=1), ["a"])
    await make_inbound(
        session, conversation=moved_on, action="helpful_no", article_slug="a",
        created_at=DAY + timedelta(hours=1, minutes=1),
    )  # fmt: skip
    await _served(session, moved_on, "b", DAY + timedelta(hours=1, minutes=2))
    await make_outcome(
        session, conversation=moved_on, outcome=OutcomeKind.escalated,
        reason=EscalationReason.button, article_slug="b",
    )  # fmt: skip

    escalated = await _conversation(session, DAY + timedelta(hours=2), ["a"])
    await make_outcome(
        session, conversation=escalated, outcome=OutcomeKind.escalated,
        reason=EscalationReason.frustration, article_slug="a",
    )  # fmt: skip

    twice = await _conversation(session, DAY + timedelta(hours=3), ["a", "a"])
    await make_outcome(
        session, conversation=twice, outcome=OutcomeKind.deflected_assumed, article_slug="a"
    )

    # 23:50 on the 3rd in Jakarta: created before the period, A served in it.
    overnight = await _conversation(session, DAY - timedelta(hours=10, minutes=10), [])
    await _served(session, overnight, "a", DAY - timedelta(hours=9, minutes=55))
    await make_outcome(
        session, conversation=overnight, outcome=OutcomeKind.deflected_assumed, article_slug="a"
    )

    still_open = await make_conversation(session, created_at=DAY + timedelta(hours=4))
    await _served(session, still_open, "a", DAY + timedelta(hours=4, seconds=5))

    elsewhere = await _conversation(session, DAY + timedelta(days=1), ["a"])
    await session.commit()
    return Funnel(helped, moved_on, escalated, twice, overnight, still_open, elsewhere)


@pytest.fixture
async def funnel(session: AsyncSession) -> Funnel:
    return await _funnel(session)


async def _ids(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[int]:
    response = await client.get("/api/v1/conversations", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_each_funnel_number_lists_the_conversations_it_counts(
    client: httpx.AsyncClient, admin_headers: dict[str, str], funnel: Funnel
) -> None:
    stats = await client.get("/api/v1/stats/articles", params=PERIOD, headers=admin_headers)
    numbers = {item["slug"]: item for item in stats.json()["items"]}
    a, b = numbers["a"], numbers["b"]

    async def ids(**params: Any) -> list[int]:
        return await _ids(client, admin_headers, **PERIOD, **params)

    f = funnel
    # Served: every conversation a reply carried it in during the period, the overnight one
    # too (served after midnight), newest first; "served" counts replies (twice: 2).
    assert await ids(article="a") == [
        c.id for c in (f.still_open, f.twice, f.escalated, f.moved_on, f.helped, f.overnight)
    ]
    assert a["served"] == 7
    assert await ids(article="a", rated="helpful") == [f.helped.id]
    assert a["helpful"] == 1
    assert await ids(article="a", rated="not_helpful") == [f.moved_on.id]
    assert a["not_helpful"] == 1
    # Escalated after: the article it ended on (moved_on escalated after b, not a).
    assert await ids(article="a", outcome="escalated") == [f.escalated.id]
    assert a["escalated_after"] == 1
    assert await ids(article="b", outcome="escalated") == [f.moved_on.id]
    assert b["escalated_after"] == 1
    assert await ids(article="a", reason="frustration") == [f.escalated.id]
    assert await ids(article="a", reason="button") == []
    # Ended on it and deflected, created in the period (not the overnight one).
    assert await ids(article="a", outcome="deflected") == [f.twice.id, f.helped.id]
    assert a["deflected"] == 2
    assert await ids(article="a", outcome="open") == [f.still_open.id]
    assert await ids(article="a", channel="messenger") == []
    # The wording filter on top: all of them asked "tanya" but the open one.
    assert await ids(article="a", text="tanya", outcome="escalated") == [f.escalated.id]


async def test_the_served_list_pages_with_its_cursor(
    client: httpx.AsyncClient, admin_headers: dict[str, str], funnel: Funnel
) -> None:
    whole = await _ids(client, admin_headers, article="a")
    assert funnel.elsewhere.id in whole  # all time
    seen: list[int] = []
    params: dict[str, Any] = {"article": "a", "limit": 2}
    while True:
        response = await client.get("/api/v1/conversations", params=params, headers=admin_headers)
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        if body["cursor"] is None:
            break
        params["cursor"] = body["cursor"]
    assert seen == whole
    assert len(set(seen)) == len(whole) == 7


@pytest.mark.parametrize(
    "params",
    [
        {"rated": "helpful"},  # no article
        {"article": "a", "rated": "not_helpful", "outcome": "escalated"},
        {"article": "a", "rated": "not_helpful", "reason": "button"},
        {"article": "a", "rated": "meh"},
    ],
)
async def test_rated_goes_with_an_article_alone(
    client: httpx.AsyncClient, admin_headers: dict[str, str], params: dict[str, str]
) -> None:
    response = await client.get("/api/v1/conversations", params=params, headers=admin_headers)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"


async def test_a_wording_pages_newest_first_whatever_its_length(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    long = "tolong cek pesanan saya " * 160  # 3,840 characters: over a PostgreSQL B-tree's limit
    keys = []
    for i in range(7):
        created_at = DAY + timedelta(minutes=i // 3)  # three share each minute: ids break ties
        conversation = await make_conversation(session, created_at=created_at)
        await make_inbound(session, conversation=conversation, text="halo" if i == 3 else long)
        # The same wording twice in one conversation lists it once.
        await make_inbound(session, conversation=conversation, text=long)
        keys.append((created_at, conversation.id))
    other = await make_conversation(session, created_at=DAY)
    await make_inbound(session, conversation=other, text=long[:-1])  # not the same wording
    bot = await make_conversation(session, created_at=DAY)
    await make_message(session, conversation=bot, sender=Sender.bot, text=long)  # not a customer
    await session.commit()

    seen: list[int] = []
    params: dict[str, Any] = {"text": long, "limit": 3}
    while True:
        response = await client.get("/api/v1/conversations", params=params, headers=admin_headers)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        if body["cursor"] is None:
            break
        params["cursor"] = body["cursor"]
    assert seen == [key_id for _, key_id in sorted(keys, reverse=True)]
    assert await _ids(client, admin_headers, text=[long, "halo"], limit=200) == seen
