"""Filters on what was *said* in a conversation: a customer's wording (a gap's), an article
served or rated. Each is a set of messages; a page either collects the set's conversations
whole and sorts them, or walks the conversations newest first and probes each one's messages.

Which is cheaper depends on how many messages match in the period, so the list counts them
first (from the set's index, stopping past ``COLLECT_AT_MOST``): collecting costs one step a
match, walking about ``limit / share of conversations matching`` probes. At 1,000,000
conversations a year the two meet near 5,000 matches (docs/operations.md). The choice is made
here, not left to the planner: PostgreSQL estimates a wording's matches from statistics that
miss most wordings and then walks for seconds, or collects 100,000 matches of a popular
article to show 50.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import CTE, ColumnElement, Exists, Select, exists, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute

from app.analytics.articles import SERVED, rated
from app.analytics.conversation_filters import ACTIONS, ConversationFilter, customer_text
from app.conversations.models import Message

COLLECT_AT_MOST = 5_000


@dataclass(frozen=True)
class MessageMatch:
    name: str
    where: Sequence[ColumnElement[bool]]

    def count_capped(self, cap: int) -> Select[tuple[int]]:
        """How many messages match, counting no further than ``cap + 1``."""
        capped = select(literal(1)).where(*self.where).limit(cap + 1)
        return select(func.count()).select_from(capped.subquery())

    def collected(self) -> CTE:
        """The matching conversations, computed whole before they are sorted (a fence: else
        PostgreSQL may turn it back into a walk)."""
        found = select(Message.conversation_id).where(*self.where).distinct()
        return found.cte(self.name).prefix_with("MATERIALIZED")

    def probed(self, conversation_id: ColumnElement[int] | InstrumentedAttribute[int]) -> Exists:
        """The same, as a probe of one conversation's messages, run per conversation: OFFSET 0
        keeps PostgreSQL from turning it into a join that collects every match first."""
        probe = select(literal(1)).where(Message.conversation_id == conversation_id, *self.where)
        return exists(probe.offset(0))


def _wrote(texts: Sequence[str], dialect: str) -> list[ColumnElement[bool]]:
    exact = Message.text.in_(list(texts))
    if dialect != "postgresql":
        return [exact]  # SQLite's index is a B-tree on the text itself
    # PostgreSQL's index is on md5(text) (a B-tree refuses texts over about 2.7 kB) and the
    # period: md5 finds the rows, the text comparison on them keeps the match exact.
    return [func.md5(Message.text).in_([func.md5(literal(t)) for t in texts]), exact]


def message_matches(f: ConversationFilter, dialect: str) -> list[MessageMatch]:
    matches = []
    if f.texts:
        wrote = [
            *customer_text(),
            *_wrote(f.texts, dialect),
            # A conversation's messages are never older than it: bounds the search.
            Message.created_at >= f.period.start_at,
        ]
        matches.append(MessageMatch("wrote", wrote))
    if f.by_article_message:
        kind = SERVED if f.rated is None else rated(ACTIONS[f.rated])
        article = [
            Message.article_slug == f.article,
            Message.created_at >= f.period.start_at,
            Message.created_at < f.period.end_at,
            kind,
        ]
        matches.append(MessageMatch("article_messages", article))
    return matches
