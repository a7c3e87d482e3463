"""Knowledge gaps are questions: greetings, thanks, yes/no and rating replies stay out, even
when the matcher was asked about them and said "none"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.gaps import is_small_talk
from app.types import OutcomeKind
from tests.factories import make_conversation, make_inbound, make_outcome

NOT_QUESTIONS = [
    "halo kak",
    "selamat pagi",
    "terima kasih banyak",
    "makasih min 🙏",
    "ok",
    "tidak",
    "5",
    "4/5",
    "3 bintang",
    "⭐⭐⭐⭐⭐",
    "👍",
]
QUESTIONS = [
    "voucher tidak bisa dipakai",
    "halo kak, ongkir ke medan berapa?",
    "5 hari belum sampai",
]


@pytest.mark.parametrize("text", NOT_QUESTIONS)
def test_small_talk_is_recognised(text: str) -> None:
    assert is_small_talk(text)


@pytest.mark.parametrize("text", QUESTIONS)
def test_questions_are_not_small_talk(text: str) -> None:
    assert not is_small_talk(text)


async def test_gaps_leave_out_greetings_thanks_and_ratings(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    at = datetime(2026, 6, 2, 3, 0, tzinfo=UTC)
    for minute, text in enumerate([*NOT_QUESTIONS, *QUESTIONS, QUESTIONS[0]]):
        conversation = await make_conversation(session, created_at=at)
        await make_inbound(
            session,
            conversation=conversation,
            text=text,
            understood_as="none",
            created_at=at + timedelta(minutes=minute),
        )
        await make_outcome(session, conversation=conversation, outcome=OutcomeKind.unresolved)
    await session.commit()

    response = await client.get(
        "/api/v1/stats/gaps",
        params={"from": "2026-06-01", "to": "2026-06-03"},
        headers=admin_headers,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    shown = [text for gap in body["items"] for text in gap["examples"]]
    assert sorted(shown) == sorted(QUESTIONS)
    assert body["items"][0] == {
        "example": QUESTIONS[0],
        "count": 2,
        "examples": [QUESTIONS[0]],
        "confirmed_articles": [],
    }
    assert body["texts_read"] == len(NOT_QUESTIONS) + len(QUESTIONS) + 1
