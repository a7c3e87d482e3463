"""The SQL of one page of a conversation list: its keys (created_at, id), newest first.

A page is a keyset walk over (created_at, id) on an index: the conversations' own, the open
ones' (small), or the outcomes' by article ended on; other filters probe per row by key (the
outcome by its unique conversation id), so a page costs about the same at 1,000 or 1,000,000
conversations. Filters on what was said are app/analytics/message_matches.py's.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from app.agenttools.labels import labelled
from app.analytics.conversation_filters import ConversationFilter, OutcomeFilter, fixed
from app.analytics.counting import DEFLECTED
from app.analytics.keyset import Key
from app.analytics.message_matches import MessageMatch
from app.conversations.models import Conversation, Outcome
from app.types import ConversationStatus


def _order_key(
    f: ConversationFilter,
) -> tuple[InstrumentedAttribute[datetime], InstrumentedAttribute[int]]:
    """The (created_at, id) columns a page walks. The outcome's copies hold the same values,
    and for an article ended on their index (ix_outcomes_article_slug_created_at) yields
    the rows already in order, however rare the article."""
    if f.ended_on_article:
        return Outcome.conversation_created_at, Outcome.conversation_id
    return Conversation.created_at, Conversation.id


def _where(f: ConversationFilter) -> list[ColumnElement[bool]]:
    created_at, _ = _order_key(f)
    where = []
    if not f.by_article_message:  # there the period bounds the article's messages
        where += [created_at >= f.period.start_at, created_at < f.period.end_at]
    if f.channel is not None:
        where.append(Conversation.channel == f.channel)
    if f.outcome is OutcomeFilter.open:
        # Still with the bot, which is "no outcome yet" (an escalation moves it to handoff,
        # every other outcome closes it), read from the small partial index
        # ix_conversations_open_created_at instead of an anti-join PostgreSQL misestimates.
        where.append(Conversation.status == fixed(ConversationStatus.bot.value))
    elif f.outcome is OutcomeFilter.deflected:
        where.append(Outcome.outcome.in_(DEFLECTED))
    elif f.outcome is not None:
        where.append(Outcome.outcome == f.outcome.value)
    if f.reason is not None:
        where.append(Outcome.reason == f.reason)
    if f.ended_on_article:
        where.append(Outcome.article_slug == f.article)
    if f.label is not None:
        where.append(labelled(_order_key(f)[1], f.label))
    return where


def _after(f: ConversationFilter, key: Key) -> list[ColumnElement[bool]]:
    # The plain range lets the database walk the index; the OR breaks ties on created_at.
    created_at, key_id = _order_key(f)
    return [
        created_at <= key.created_at,
        or_(created_at < key.created_at, and_(created_at == key.created_at, key_id < key.id)),
    ]


def page_keys(
    f: ConversationFilter,
    after: Key | None,
    limit: int,
    matches: Sequence[MessageMatch] = (),
    walked: Collection[str] = (),
) -> Subquery:
    """The page's keys alone (``id``, ``created_at``), so that the contact and outcome of the
    page's rows only are read afterwards, not of every candidate a filter visits. Of the
    ``matches`` (what was said), those named in ``walked`` are probed per conversation, the
    others collected whole."""
    created_at, key_id = _order_key(f)
    statement: Select[Any] = select(key_id.label("id"), created_at.label("created_at"))
    if f.ended_on_article:  # driven by the outcomes index (see _order_key)
        statement = statement.select_from(Outcome).join(
            Conversation, Conversation.id == Outcome.conversation_id
        )
    elif (f.outcome not in (None, OutcomeFilter.open)) or f.reason is not None:
        statement = statement.select_from(Conversation).join(
            Outcome, Outcome.conversation_id == Conversation.id
        )
    where = [*_where(f), *(_after(f, after) if after else ())]
    for match in matches:
        if match.name in walked:
            where.append(match.probed(key_id))
        else:
            found = match.collected()
            statement = statement.join(found, found.c.conversation_id == key_id)
    statement = statement.where(*where)
    return statement.order_by(created_at.desc(), key_id.desc()).limit(limit).subquery("page")
