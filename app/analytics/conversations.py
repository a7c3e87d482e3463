"""Conversations for ops to read: a filtered list, newest first, and one conversation whole.

What each filter means is app/analytics/conversation_filters.py; the SQL of a page's keys
app/analytics/conversation_keys.py, which first asks how many messages a filter on what was
said matches (app/analytics/message_matches.py). The page's rows, contacts and outcomes are
read afterwards for those keys only, and the customers' first messages for its rows only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.agenttools.labels import labels_of
from app.analytics.conversation_filters import ConversationFilter, customer_text
from app.analytics.conversation_keys import page_keys
from app.analytics.conversation_schemas import (
    ConversationDetail,
    ConversationHandoff,
    ConversationItem,
    ConversationList,
)
from app.analytics.keyset import Key, encode_cursor
from app.analytics.message_matches import COLLECT_AT_MOST, message_matches
from app.conversations.models import Contact, Conversation, Message, Outcome
from app.errors import NotFound
from app.escalation.models import Agent, Handoff
from app.escalation.queue import conversation_transcript
from app.escalation.schemas import Customer
from app.types import Sender


def _rows() -> Select[Any]:
    return (
        select(Conversation, Contact, Outcome)
        .join(Contact, Contact.id == Conversation.contact_id)
        .outerjoin(Outcome, Outcome.conversation_id == Conversation.id)
    )


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
        .where(Message.conversation_id.in_(ids), *customer_text())
        .group_by(Message.conversation_id)
    )
    rows = await session.execute(
        select(Message.conversation_id, Message.text).where(Message.id.in_(firsts))
    )
    return {conversation_id: text for conversation_id, text in rows if conversation_id}


async def list_conversations(
    session: AsyncSession,
    *,
    filters: ConversationFilter,
    limit: int,
    after: Key | None,
    collect_at_most: int = COLLECT_AT_MOST,
) -> ConversationList:
    matches = message_matches(filters, session.get_bind().dialect.name)
    walked = [
        match.name
        for match in matches
        if (await session.scalar(match.count_capped(collect_at_most)) or 0) > collect_at_most
    ]
    keys = page_keys(filters, after, limit + 1, matches, walked)
    statement = (
        _rows()
        .join(keys, keys.c.id == Conversation.id)
        .order_by(keys.c.created_at.desc(), keys.c.id.desc())
    )
    rows = list((await session.execute(statement)).tuples())
    page, more = rows[:limit], len(rows) > limit
    firsts = await _first_messages(session, [conversation.id for conversation, _, _ in page])
    labels = await labels_of(session, [conversation.id for conversation, _, _ in page])
    last = page[-1][0] if page else None
    return ConversationList(
        items=[
            ConversationItem.model_validate(
                {**_item(c, contact, outcome, firsts.get(c.id)), "labels": labels.get(c.id, [])}
            )
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
            "labels": (await labels_of(session, [conversation_id])).get(conversation_id, []),
            "transcript": transcript,
        }
    )
