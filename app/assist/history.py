"""Past cases: what customers asked in handoffs that agents resolved, and what the agents
replied. Read from the database (the queries live here); the similarity search is in
``app.assist.past``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.gaps import is_small_talk
from app.conversations.models import Contact, Conversation, Message
from app.escalation.models import Handoff
from app.types import HandoffStatus, Sender

MAX_PAST = 2000  # the most recently resolved handoffs searched (newer answers are more current)
QUESTION_MESSAGES = 3  # the customer's request usually sits in the last few messages
REPLY_MESSAGES = 3
CHUNK = 500  # conversations per IN (...) query


@dataclass(frozen=True)
class PastCase:
    handoff_id: int
    conversation_id: int
    question: str  # the customer's words before the agent answered
    reply: str  # the agent's replies (not scrubbed: ``app.assist.scrub`` before showing)
    customer_name: str | None


async def resolved_handoffs(session: AsyncSession, limit: int = MAX_PAST) -> dict[int, datetime]:
    """Id -> resolved time of the most recently resolved handoffs."""
    rows = await session.execute(
        select(Handoff.id, Handoff.resolved_at)
        .where(Handoff.status == HandoffStatus.resolved.value, Handoff.resolved_at.is_not(None))
        .order_by(Handoff.resolved_at.desc(), Handoff.id.desc())
        .limit(limit)
    )
    return {hid: at for hid, at in rows if at is not None}


def _joined(texts: Sequence[str]) -> str:
    return "\n".join(" ".join(t.split()) for t in texts)


async def load_cases(session: AsyncSession, handoff_ids: Sequence[int]) -> list[PastCase]:
    """The cases of these handoffs that have both a question and a reply."""
    cases: list[PastCase] = []
    for start in range(0, len(handoff_ids), CHUNK):
        chunk = handoff_ids[start : start + CHUNK]
        handoffs = (
            await session.execute(
                select(
                    Handoff.id,
                    Handoff.conversation_id,
                    Handoff.created_at,
                    Handoff.first_agent_reply_at,
                    Handoff.resolved_at,
                    Contact.display_name,
                )
                .join(Conversation, Conversation.id == Handoff.conversation_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Handoff.id.in_(chunk))
            )
        ).all()
        by_conversation: dict[int, list[tuple[str, str, datetime]]] = {}
        rows = await session.execute(
            select(Message.conversation_id, Message.sender, Message.text, Message.created_at)
            .where(
                Message.conversation_id.in_({h.conversation_id for h in handoffs}),
                Message.sender.in_((Sender.customer.value, Sender.agent.value)),
                Message.text.is_not(None),
            )
            .order_by(Message.id)
        )
        for conversation_id, sender, text, at in rows:
            if conversation_id is not None and text and text.strip():
                by_conversation.setdefault(conversation_id, []).append((sender, text, at))
        for h in handoffs:
            messages = by_conversation.get(h.conversation_id, [])
            answered_at = h.first_agent_reply_at or h.resolved_at
            asked = [
                text
                for sender, text, at in messages
                if sender == Sender.customer.value
                and (answered_at is None or at <= answered_at)
                and not is_small_talk(text)
            ]
            replied = [
                text
                for sender, text, at in messages
                if sender == Sender.agent.value
                and at >= h.created_at
                and (h.resolved_at is None or at <= h.resolved_at)
                and not is_small_talk(text)
            ]
            if asked and replied:
                cases.append(
                    PastCase(
                        handoff_id=h.id,
                        conversation_id=h.conversation_id,
                        question=_joined(asked[-QUESTION_MESSAGES:]),
                        reply=_joined(replied[:REPLY_MESSAGES]),
                        customer_name=h.display_name,
                    )
                )
    return cases
