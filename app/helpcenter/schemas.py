"""Shapes of the help center's API (contract: DESIGN.md round 3, "Help center")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.kb.schemas import SLUG_PATTERN

EventType = Literal["view", "vote", "search_click", "contact"]


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: EventType
    slug: str | None = Field(default=None, max_length=120, pattern=SLUG_PATTERN)
    helpful: bool | None = None
    search_id: str | None = Field(default=None, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    # A random id the client keeps (8-64 letters, digits, - or _); without one the visitor
    # is a daily salted hash of the address and browser.
    visitor: str | None = Field(default=None, max_length=64)


class Accepted(BaseModel):
    status: Literal["accepted"] = "accepted"
    counted: bool  # false for crawlers


class SearchMatch(BaseModel):
    slug: str
    question: str
    url: str
    snippet: str


class HelpSearchOut(BaseModel):
    decision: Literal["answer", "suggest", "none"]
    matches: list[SearchMatch]
    search_id: str | None


class Votes(BaseModel):
    helpful: int
    not_helpful: int


class ArticleActivity(BaseModel):
    slug: str
    views: int
    helpful: int
    not_helpful: int
    contacted_after: int  # visitors who viewed it, then contacted us within 24 h


class NoResultGroup(BaseModel):
    example: str
    count: int
    examples: list[str]


class HelpStats(BaseModel):
    visits: int
    visits_contacted: int
    help_self_service_rate: float | None
    views: int
    searches: int
    searches_no_result: int
    search_click_through: float | None  # % of searches followed by a click on a result
    votes: Votes
    articles: list[ArticleActivity]
    no_result: list[NoResultGroup]
