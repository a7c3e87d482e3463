"""Both ways of listing by what was said (app/analytics/message_matches.py) give the same
pages: collecting the matching conversations whole, or walking the conversations and probing
each, in the same order, with the same cursor, as a plain reading of the data says."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.conversation_filters import (
    ACTIONS,
    ArticleRating,
    ConversationFilter,
    OutcomeFilter,
)
from app.analytics.conversations import list_conversations
from app.analytics.keyset import decode_cursor
from app.analytics.periods import Period
from app.types import Channel, ConversationStatus, EscalationReason, OutcomeKind, Sender
from tests.factories import make_conversation, make_inbound, make_message, make_outcome

START = datetime(2026, 5, 1, tzinfo=UTC)
WORDINGS = ["cara refund", "refund belum masuk", "ongkir berapa"]
SLUGS = ["refund", "ongkir"]
ALL_TIME = Period(start_at=START - timedelta(days=30), end_at=START + timedelta(days=30))
WEEK = Period(start_at=START + timedelta(days=2), end_at=START + timedelta(days=9))


@dataclass
class Seeded:
    created_at: datetime
    id: int
    channel: str
    outcome: str | None
    wrote: list[tuple[str, datetime]] = field(default_factory=list)
    served: list[tuple[str, datetime]] = field(default_factory=list)
    rated: list[tuple[str, str, datetime]] = field(default_factory=list)


async def _seed(session: AsyncSession) -> list[Seeded]:
    rng = random.Random(7)
    seeded = []
    for _ in range(80):
        # Whole hours over two weeks: many share a creation time, the id breaks the tie.
        created_at = START + timedelta(hours=rng.randrange(0, 14 * 24, 6))
        channel = rng.choice([Channel.whatsapp, Channel.webchat])
        escalated = rng.random() < 0.4
        conversation = await make_conversation(
            session,
            channel=channel,
            status=ConversationStatus.closed if escalated else ConversationStatus.bot,
            created_at=created_at,
        )
        row = Seeded(created_at, conversation.id, channel.value, "escalated" if escalated else None)
        at = created_at
        for _ in range(rng.randrange(1, 5)):
            at += timedelta(minutes=rng.randrange(1, 90))
            kind = rng.random()
            if kind < 0.4:
                text = rng.choice(WORDINGS)
                await make_inbound(session, conversation=conversation, text=text, created_at=at)
                row.wrote.append((text, at))
            elif kind < 0.8:
                slug = rng.choice(SLUGS)
                await make_message(
                    session, conversation=conversation, sender=Sender.bot, text="Begini",
                    article_slug=slug, created_at=at,
                )  # fmt: skip
                row.served.append((slug, at))
            else:
                slug, action = rng.choice(SLUGS), rng.choice(["helpful_yes", "helpful_no"])
                await make_inbound(
                    session, conversation=conversation, action=action, article_slug=slug,
                    created_at=at,
                )  # fmt: skip
                row.rated.append((slug, action, at))
        if escalated:
            await make_outcome(
                session, conversation=conversation, outcome=OutcomeKind.escalated,
                reason=EscalationReason.button,
            )  # fmt: skip
        seeded.append(row)
    await session.commit()
    return seeded


def _expected(seeded: list[Seeded], f: ConversationFilter) -> list[int]:
    """The filter read plainly, over the seeded rows in Python."""
    p = f.period

    def keeps(row: Seeded) -> bool:
        if f.by_article_message:  # the period bounds the article's messages
            times = (
                [at for slug, at in row.served if slug == f.article]
                if f.rated is None
                else [
                    at for slug, a, at in row.rated if slug == f.article and a == ACTIONS[f.rated]
                ]
            )
            if not any(p.start_at <= at < p.end_at for at in times):
                return False
        elif not p.start_at <= row.created_at < p.end_at:
            return False
        if f.texts and not any(t in f.texts and at >= p.start_at for t, at in row.wrote):
            return False
        if f.channel is not None and row.channel != f.channel:
            return False
        if f.outcome is OutcomeFilter.escalated:
            return row.outcome == "escalated"
        if f.outcome is OutcomeFilter.open:
            return row.outcome is None
        return True

    kept = sorted((r for r in seeded if keeps(r)), key=lambda r: (r.created_at, r.id))
    return [r.id for r in reversed(kept)]


async def _pages(session: AsyncSession, f: ConversationFilter, collect_at_most: int) -> list[int]:
    seen: list[int] = []
    after = None
    while True:
        page = await list_conversations(
            session, filters=f, limit=4, after=after, collect_at_most=collect_at_most
        )
        seen += [item.id for item in page.items]
        if page.cursor is None:
            return seen
        after = decode_cursor(page.cursor)


FILTERS = [
    ConversationFilter(period=ALL_TIME, texts=["cara refund"]),
    ConversationFilter(period=WEEK, texts=WORDINGS[:2]),
    ConversationFilter(period=WEEK, texts=["ongkir berapa"], channel="whatsapp"),
    ConversationFilter(period=ALL_TIME, texts=["cara refund"], outcome=OutcomeFilter.escalated),
    ConversationFilter(period=ALL_TIME, article="refund"),
    ConversationFilter(period=WEEK, article="ongkir"),
    ConversationFilter(period=WEEK, article="refund", rated=ArticleRating.not_helpful),
    ConversationFilter(period=ALL_TIME, article="ongkir", rated=ArticleRating.helpful),
    ConversationFilter(period=ALL_TIME, article="refund", outcome=OutcomeFilter.open),
    ConversationFilter(period=WEEK, article="refund", texts=WORDINGS),
]


@pytest.mark.parametrize("f", FILTERS)
async def test_collected_and_walked_pages_are_the_same(
    session: AsyncSession, f: ConversationFilter
) -> None:
    seeded = await _seed(session)
    expected = _expected(seeded, f)
    assert len(expected) >= 2  # the filter keeps some, so the comparison means something

    assert await _pages(session, f, collect_at_most=10**6) == expected  # collected whole
    assert await _pages(session, f, collect_at_most=0) == expected  # walked and probed
