"""Which conversations a list shows: the filters and what each means (the article funnel's
numbers, app/analytics/articles.py). The SQL of a page is app/analytics/conversation_keys.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, literal

from app.analytics.periods import Period
from app.bot.types import HELPFUL_NO, HELPFUL_YES
from app.conversations.models import Message
from app.errors import ValidationFailed
from app.types import Direction, Sender


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
    label: str | None = None  # an agent labelled it so (issue 32)

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


def fixed(value: str) -> Any:
    # In the SQL text, not a bind parameter: PostgreSQL's cached (generic) plan can use a
    # partial index only when the statement itself implies the index's predicate.
    return literal(value, literal_execute=True)


def customer_text() -> list[ColumnElement[bool]]:
    """The predicate of the partial indexes ix_messages_customer_text(_md5): keep in step."""
    return [
        Message.direction == fixed(Direction.inbound.value),
        Message.sender == fixed(Sender.customer.value),
        Message.text.is_not(None),
    ]
