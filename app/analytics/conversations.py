"""Conversations for ops to read: a filtered list, newest first, and one conversation whole.

The list is a keyset page over (created_at, id), walked backwards on an index: the
conversations' own, the open ones' (small), or the outcomes' by article; other filters probe
per row by key (the outcome by its unique conversation id), so a page costs about the same at
1,000 or 1,000,000 conversations. A customer's wording is looked up in its hash index and
costs with its matches in the period (see ``bench/conversations.py`` and
docs/operations.md; the indexes are migration 0011's).
The customers' first messages are read afterwards for the page's rows only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

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
from app.types import ConversationStatus, Direction, Sender


class OutcomeFilter(StrEnum):
    """An outcome, ``deflected`` (either kind) or ``open`` (still with the bot: no outcome)."""

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
    article: str | None = None  # the article it ended on (the last served), as the funnel
    texts: Sequence[str] = ()  # a customer wrote one of these exactly (a gap's wordings)


def _fixed(value: str) -> Any:
    # In the SQL text, not a bind parameter: PostgreSQL's cached (generic) plan can use a
    # partial index only when the statement itself implies the index's predicate.
    return literal(value, literal_execute=True)


def _customer_text() -> list[ColumnElement[bool]]:
    # The predicate of the partial index ix_messages_customer_text: keep them in step.
    return [
        Message.direction == _fixed(Direction.inbound.value),
        Message.sender == _fixed(Sender.customer.value),
        Message.text.is_not(None),
    ]


def _order_key(
    f: ConversationFilter,
) -> tuple[InstrumentedAttribute[datetime], InstrumentedAttribute[int]]:
    """The (created_at, id) columns a page walks. The outcome's copies hold the same values,
    and with an article filter their index (ix_outcomes_article_slug_created_at) yields
    the rows already in order, however rare the article."""
    if f.article is not None:
        return Outcome.conversation_created_at, Outcome.conversation_id
    return Conversation.created_at, Conversation.id


def _where(f: ConversationFilter) -> list[ColumnElement[bool]]:
    created_at, _ = _order_key(f)
    where = [created_at >= f.period.start_at, created_at < f.period.end_at]
    if f.channel is not None:
        where.append(Conversation.channel == f.channel)
    if f.outcome is OutcomeFilter.open:
        # Still with the bot, which is "no outcome yet" (an escalation moves it to handoff,
        # every other outcome closes it), read from the small partial index
        # ix_conversations_open_created_at instead of an anti-join PostgreSQL misestimates.
        where.append(Conversation.status == _fixed(ConversationStatus.bot.value))
    elif f.outcome is OutcomeFilter.deflected:
        where.append(Outcome.outcome.in_(DEFLECTED))
    elif f.outcome is not None:
        where.append(Outcome.outcome == f.outcome.value)
    if f.reason is not None:
        where.append(Outcome.reason == f.reason)
    if f.article is not None:
        where.append(Outcome.article_slug == f.article)
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


def _after(f: ConversationFilter, key: Key) -> list[ColumnElement[bool]]:
    # The plain range lets the database walk the index; the OR breaks ties on created_at.
    created_at, key_id = _order_key(f)
    return [
        created_at <= key.created_at,
        or_(created_at < key.created_at, and_(created_at == key.created_at, key_id < key.id)),
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


def _page_keys(f: ConversationFilter, after: Key | None, limit: int) -> Subquery:
    """The page's keys alone, so that the contact and outcome of the page's rows only are read
    afterwards, not of every candidate a filter visits before the database sorts them."""
    created_at, key_id = _order_key(f)
    statement = select(key_id.label("id"), created_at.label("created_at"))
    if f.article is not None:  # driven by the outcomes index (see _order_key)
        statement = statement.select_from(Outcome).join(
            Conversation, Conversation.id == Outcome.conversation_id
        )
    elif (f.outcome not in (None, OutcomeFilter.open)) or f.reason is not None:
        statement = statement.select_from(Conversation).join(
            Outcome, Outcome.conversation_id == Conversation.id
        )
    statement = statement.where(*_where(f), *(_after(f, after) if after else ()))
    return statement.order_by(created_at.desc(), key_id.desc()).limit(limit).subquery("page")


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
    page_keys = _page_keys(filters, after, limit + 1)
    statement = (
        _rows()
        .join(page_keys, page_keys.c.id == Conversation.id)
        .order_by(page_keys.c.created_at.desc(), page_keys.c.id.desc())
    )
    rows = list((await session.execute(statement)).tuples())
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
