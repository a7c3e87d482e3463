"""Which conversations a list shows, and the SQL that finds one page of their keys.

A page is a keyset walk over (created_at, id), newest first, on an index: the conversations'
own, the open ones' (small), or the outcomes' by article ended on; other filters probe per row
by key (the outcome by its unique conversation id), so a page costs about the same at 1,000 or
1,000,000 conversations.

Filters on what was *said* (a customer's wording, an article served or rated) first collect the
matching conversations from a messages index, then sort those: the set is computed whole (a
``MATERIALIZED`` CTE) because walking the conversations and probing each one's messages, which
PostgreSQL picks when it overestimates the matches, costs 1 / (share of matches) probes, seconds
for a rare wording. The cost is then in proportion to the matches in the period (see
``bench/conversations.py`` and docs/operations.md; the indexes are migrations 0011 and 0013's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    Subquery,
    and_,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute

from app.analytics.articles import SERVED, rated
from app.analytics.counting import DEFLECTED
from app.analytics.keyset import Key
from app.analytics.periods import Period
from app.bot.types import HELPFUL_NO, HELPFUL_YES
from app.conversations.models import Conversation, Message, Outcome
from app.errors import ValidationFailed
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


class ArticleRating(StrEnum):
    """How a customer rated an article (the funnel's ``helpful`` / ``not_helpful``)."""

    helpful = "helpful"
    not_helpful = "not_helpful"


ACTIONS = {ArticleRating.helpful: HELPFUL_YES, ArticleRating.not_helpful: HELPFUL_NO}


@dataclass(frozen=True)
class ConversationFilter:
    """The article filter reads like the number it drills into (app/analytics/articles.py):

    - ``article`` with an outcome (or a reason): the conversations that *ended* on it with that
      outcome, created in the period (``escalated_after``: ``outcome=escalated``);
    - ``article`` with ``rated``: the ones whose customer rated it so in the period
      (``helpful`` / ``not_helpful``);
    - ``article`` alone (or with ``outcome=open``): the ones it was served in, in the period
      (``served``).

    The last two count messages, so the period bounds the article's message, not the
    conversation's start.
    """

    period: Period
    channel: str | None = None
    outcome: OutcomeFilter | None = None
    reason: str | None = None
    article: str | None = None
    rated: ArticleRating | None = None
    texts: Sequence[str] = ()  # a customer wrote one of these exactly (a gap's wordings)

    def __post_init__(self) -> None:
        if self.rated is not None and self.article is None:
            raise ValidationFailed("rated needs an article")
        if self.rated is not None and self.ended_on_article:
            raise ValidationFailed("rated goes with an article alone, not with an outcome")

    @property
    def ended_on_article(self) -> bool:
        closed = self.outcome is not None and self.outcome is not OutcomeFilter.open
        return self.article is not None and (closed or self.reason is not None)

    @property
    def by_article_message(self) -> bool:
        return self.article is not None and not self.ended_on_article


def _fixed(value: str) -> Any:
    # In the SQL text, not a bind parameter: PostgreSQL's cached (generic) plan can use a
    # partial index only when the statement itself implies the index's predicate.
    return literal(value, literal_execute=True)


def customer_text() -> list[ColumnElement[bool]]:
    """The predicate of the partial indexes ix_messages_customer_text(_md5): keep in step."""
    return [
        Message.direction == _fixed(Direction.inbound.value),
        Message.sender == _fixed(Sender.customer.value),
        Message.text.is_not(None),
    ]


def _wrote(texts: Sequence[str], dialect: str) -> list[ColumnElement[bool]]:
    exact = Message.text.in_(list(texts))
    if dialect != "postgresql":
        return [exact]  # SQLite's index is a B-tree on the text itself
    # PostgreSQL's index is on md5(text) (a B-tree refuses texts over about 2.7 kB) and the
    # period: md5 finds the rows, the text comparison on them keeps the match exact.
    return [func.md5(Message.text).in_([func.md5(literal(t)) for t in texts]), exact]


def _said(name: str, where: Sequence[ColumnElement[bool]]) -> CTE:
    """The conversations with a message matching ``where``, computed whole (see the module)."""
    found = select(Message.conversation_id).where(*where).distinct()
    return found.cte(name).prefix_with("MATERIALIZED")


def _message_sets(f: ConversationFilter, dialect: str) -> list[CTE]:
    sets = []
    if f.texts:
        sets.append(
            _said(
                "wrote",
                [
                    *customer_text(),
                    *_wrote(f.texts, dialect),
                    # A conversation's messages are never older than it: bounds the search.
                    Message.created_at >= f.period.start_at,
                ],
            )
        )
    if f.by_article_message:
        kind = SERVED if f.rated is None else rated(ACTIONS[f.rated])
        sets.append(
            _said(
                "article_messages",
                [
                    Message.article_slug == f.article,
                    Message.created_at >= f.period.start_at,
                    Message.created_at < f.period.end_at,
                    kind,
                ],
            )
        )
    return sets


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
        where.append(Conversation.status == _fixed(ConversationStatus.bot.value))
    elif f.outcome is OutcomeFilter.deflected:
        where.append(Outcome.outcome.in_(DEFLECTED))
    elif f.outcome is not None:
        where.append(Outcome.outcome == f.outcome.value)
    if f.reason is not None:
        where.append(Outcome.reason == f.reason)
    if f.ended_on_article:
        where.append(Outcome.article_slug == f.article)
    return where


def _after(f: ConversationFilter, key: Key) -> list[ColumnElement[bool]]:
    # The plain range lets the database walk the index; the OR breaks ties on created_at.
    created_at, key_id = _order_key(f)
    return [
        created_at <= key.created_at,
        or_(created_at < key.created_at, and_(created_at == key.created_at, key_id < key.id)),
    ]


def page_keys(f: ConversationFilter, after: Key | None, limit: int, dialect: str) -> Subquery:
    """The page's keys alone (``id``, ``created_at``), so that the contact and outcome of the
    page's rows only are read afterwards, not of every candidate a filter visits."""
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
    for found in _message_sets(f, dialect):
        statement = statement.join(found, found.c.conversation_id == key_id)
    statement = statement.where(*_where(f), *(_after(f, after) if after else ()))
    return statement.order_by(created_at.desc(), key_id.desc()).limit(limit).subquery("page")
