"""Conversations for ops to read: a filtered list, newest first, and one conversation whole.

The list is a keyset page over ``conversations`` (created_at, id), walked backwards on its
index; the filters probe other tables per row through their indexes (an outcome by its
unique conversation key, an article served or a customer's wording by the message indexes
of migration 0011), so a page costs about the same at 1,000 or 1,000,000 conversations.
The customers' first messages are read afterwards for the page's rows only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.conversation_schemas import (
    ConversationDetail,
    ConversationHandoff,
    ConversationItem,
    ConversationList,
)
from app.analytics.counting import DEFLECTED
from app.analytics.keyset import Key, encode_cursor
from app.analytics.periods import Period
from app.conversations.models import Contact, Conversation, Message, Outcome
from app.errors import NotFound
from app.escalation.models import Agent, Handoff
from app.escalation.queue import conversation_transcript
from app.escalation.schemas import Customer
from app.types import Direction, Sender


class OutcomeFilter(StrEnum):
    """An outcome, ``deflected`` (either kind) or ``open`` (no outcome yet)."""

    deflected = "deflected"
    deflected_confirmed = "deflected_confirmed"
    deflected_assumed = "deflected_assumed"
    escalated = "escalated"
    unresolved = "unresolved"
    no_request = "no_request"
    open = "open"


@dataclass(frozen=True)
class ConversationFilter:
    period: Period
    channel: str | None = None
    outcome: OutcomeFilter | None = None
    reason: str | None = None
    article: str | None = None  # served in the conversation
    texts: Sequence[str] = ()  # a customer wrote one of these exactly (a gap's wordings)


def _customer_text() -> list[ColumnElement[bool]]:
    # The predicate of the partial index ix_messages_customer_text: keep them in step.
    return [
        Message.direction == Direction.inbound.value,
        Message.sender == Sender.customer.value,
        Message.text.is_not(None),
    ]


def _where(f: ConversationFilter) -> list[ColumnElement[bool]]:
    where = [
        Conversation.created_at >= f.period.start_at,
        Conversation.created_at < f.period.end_at,
    ]
    if f.channel is not None:
        where.append(Conversation.channel == f.channel)
    if f.outcome is OutcomeFilter.open:
        where.append(Outcome.id.is_(None))
    elif f.outcome is OutcomeFilter.deflected:
        where.append(Outcome.outcome.in_(DEFLECTED))
    elif f.outcome is not None:
        where.append(Outcome.outcome == f.outcome.value)
    if f.reason is not None:
        where.append(Outcome.reason == f.reason)
    if f.article is not None:
        served = select(Message.conversation_id).where(Message.article_slug == f.article)
        where.append(Conversation.id.in_(served))
    if f.texts:
        wrote = select(Message.conversation_id).where(
            *_customer_text(),
            Message.text.in_(list(f.texts)),
            # A conversation's messages are never older than it: bounds the search.
            Message.created_at >= f.period.start_at,
        )
        where.append(Conversation.id.in_(wrote))
    return where


def _rows() -> Select[Any]:
    return (
        select(Conversation, Contact, Outcome)
        .join(Contact, Contact.id == Conversation.contact_id)
        .outerjoin(Outcome, Outcome.conversation_id == Conversation.id)
    )


def _after(key: Key) -> list[ColumnElement[bool]]:
    # The plain range lets the database walk the index; the OR breaks ties on created_at.
    return [
        Conversation.created_at <= key.created_at,
        or_(
            Conversation.created_at < key.created_at,
            and_(Conversation.created_at == key.created_at, Conversation.id < key.id),
        ),
    ]


def _item(
    conversation: Conversation, contact: Contact, outcome: Outcome | None, first: str | None
) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "channel": conversation.channel,
        "customer": Customer(name=contact.display_name, external_id=contact.external_id),
        "status": conversation.status,
        "outcome": outcome.outcome if outcome else None,
        "reason": outcome.reason if outcome else None,
        "created_at": conversation.created_at,
        "closed_at": conversation.closed_at,
        "first_message": first,
    }


async def _first_messages(session: AsyncSession, ids: Sequence[int]) -> dict[int, str | None]:
    if not ids:
        return {}
    firsts = (
        select(func.min(Message.id))
        .where(Message.conversation_id.in_(ids), *_customer_text())
        .group_by(Message.conversation_id)
    )
    rows = await session.execute(
        select(Message.conversation_id, Message.text).where(Message.id.in_(firsts))
    )
    return {conversation_id: text for conversation_id, text in rows if conversation_id}


async def list_conversations(
    session: AsyncSession, *, filters: ConversationFilter, limit: int, after: Key | None
) -> ConversationList:
    statement = _rows().where(*_where(filters))
    if after is not None:
        statement = statement.where(*_after(after))
    statement = statement.order_by(Conversation.created_at.desc(), Conversation.id.desc())
    rows = list((await session.execute(statement.limit(limit + 1))).tuples())
    page, more = rows[:limit], len(rows) > limit
    firsts = await _first_messages(session, [conversation.id for conversation, _, _ in page])
    last = page[-1][0] if page else None
    return ConversationList(
        items=[
            ConversationItem.model_validate(_item(c, contact, outcome, firsts.get(c.id)))
            for c, contact, outcome in page
        ],
        cursor=encode_cursor(Key(last.created_at, last.id)) if more and last else None,
    )


async def _latest_handoff(
    session: AsyncSession, conversation_id: int
) -> ConversationHandoff | None:
    row = (
        await session.execute(
            select(Handoff, Agent.name)
            .outerjoin(Agent, Agent.id == Handoff.agent_id)
            .where(Handoff.conversation_id == conversation_id)
            .order_by(Handoff.created_at.desc(), Handoff.id.desc())
            .limit(1)
        )
    ).one_or_none()
    if row is None:
        return None
    handoff, agent_name = row._tuple()
    fields = set(ConversationHandoff.model_fields) - {"agent_name"}
    return ConversationHandoff.model_validate(
        {**{name: getattr(handoff, name) for name in fields}, "agent_name": agent_name}
    )


async def conversation_detail(session: AsyncSession, *, conversation_id: int) -> ConversationDetail:
    row = (await session.execute(_rows().where(Conversation.id == conversation_id))).one_or_none()
    if row is None:
        raise NotFound(
            f"conversation {conversation_id} does not exist", code="conversation_not_found"
        )
    conversation, contact, outcome = row._tuple()
    transcript = await conversation_transcript(session, conversation_id)
    first = next(
        (m.text for m in transcript if m.sender == Sender.customer and m.text is not None), None
    )
    return ConversationDetail.model_validate(
        {
            **_item(conversation, contact, outcome, first),
            "language": conversation.language,
            "article_slug": outcome.article_slug if outcome else None,
            "outcome_recorded_at": outcome.recorded_at if outcome else None,
            "handoff": await _latest_handoff(session, conversation_id),
            "transcript": transcript,
        }
    )
