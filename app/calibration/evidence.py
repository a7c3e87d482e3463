"""The customers' evidence for the calibration, read from conversations that ended: what a
customer asked, and which article turned out to answer it, or that none did.

- A conversation deflected on an article (the customer confirmed it, or went quiet after it
  without calling it unhelpful or asking for help): that article answers what they asked.
- A handoff an agent resolved: the article they resolved with (``{"article": slug}``), or
  none, and then any answer the bot gave would have been wrong. This is the evidence the
  KB's own phrasings cannot give: the questions it does not cover, as customers ask them.
Conversations that ended otherwise (the customer left without an answer) tell nothing.
Nothing is stored: the texts are read from the messages (erasure and retention apply).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Message, Outcome
from app.escalation.models import Handoff, HandoffEvent
from app.learning.sources import asked
from app.types import Direction, HandoffStatus, OutcomeKind

CUSTOMERS_READ = 2_000  # the newest labelled conversations read per calibration
CHUNK = 500  # conversations per messages query
DEFLECTED = (OutcomeKind.deflected_confirmed.value, OutcomeKind.deflected_assumed.value)


@dataclass(frozen=True)
class Asked:
    text: str
    slug: str | None  # the article that answered it; None: no article does


async def customer_evidence(session: AsyncSession, limit: int = CUSTOMERS_READ) -> list[Asked]:
    """What customers asked in the newest ``limit`` conversations whose answer is known."""
    labels: dict[int, str | None] = {}
    deflected = await session.execute(
        select(Outcome.conversation_id, Outcome.article_slug)
        .where(Outcome.outcome.in_(DEFLECTED), Outcome.article_slug.is_not(None))
        .order_by(Outcome.id.desc())
        .limit(limit)
    )
    labels.update({conversation: slug for conversation, slug in deflected})
    resolved = await session.execute(
        select(Handoff.conversation_id, Handoff.resolved_article)
        .where(Handoff.status == HandoffStatus.resolved.value)
        .order_by(Handoff.id.desc())
        .limit(limit)
    )
    # An agent's answer is the last word on a conversation (older handoffs come later).
    seen: set[int] = set()
    for conversation, slug in resolved:
        if conversation not in seen:
            labels[conversation] = slug
            seen.add(conversation)
    return await _asked_in(session, labels, limit)


async def evidence_mark(session: AsyncSession) -> str:
    """Changes when a conversation ends or a handoff changes (claimed, resolved: its events),
    read as two primary-key maxima."""
    outcome = await session.scalar(select(func.max(Outcome.id)))
    handoff = await session.scalar(select(func.max(HandoffEvent.id)))
    return f"{outcome or 0}:{handoff or 0}"


def _unanswered() -> tuple[ColumnElement[bool], ...]:
    return (
        Handoff.status == HandoffStatus.resolved.value,
        Handoff.resolved_article.is_(None),
    )


async def unanswered_mark(session: AsyncSession) -> tuple[int | None, int]:
    """Changes when a handoff is resolved without an article (or one is erased)."""
    newest, count = (
        await session.execute(select(func.max(Handoff.id), func.count()).where(*_unanswered()))
    ).one()
    return newest, count


async def unanswered_questions(session: AsyncSession, limit: int) -> list[str]:
    """What customers asked in the newest ``limit`` handoffs resolved without an article."""
    rows = await session.execute(
        select(Handoff.conversation_id)
        .where(*_unanswered())
        .order_by(Handoff.id.desc())
        .limit(limit)
    )
    labels: dict[int, str | None] = {conversation: None for (conversation,) in rows}
    return [a.text for a in await _asked_in(session, labels, limit)]


async def _asked_in(
    session: AsyncSession, labels: dict[int, str | None], limit: int
) -> list[Asked]:
    newest = sorted(labels, reverse=True)[:limit]
    out: list[Asked] = []
    for start in range(0, len(newest), CHUNK):
        chunk = newest[start : start + CHUNK]
        for conversation, messages in (await _inbound(session, chunk)).items():
            text = asked(messages)
            if text:
                out.append(Asked(text, labels[conversation]))
    return out


async def _inbound(session: AsyncSession, conversations: Iterable[int]) -> dict[int, list[Message]]:
    rows = await session.scalars(
        select(Message)
        .where(
            Message.conversation_id.in_(list(conversations)),
            Message.direction == Direction.inbound.value,
        )
        .order_by(Message.conversation_id, Message.id)
    )
    out: dict[int, list[Message]] = {}
    for message in rows:
        assert message.conversation_id is not None
        out.setdefault(message.conversation_id, []).append(message)
    return out
