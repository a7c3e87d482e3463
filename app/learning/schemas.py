"""Shapes of the learned-phrasings API (contract: DESIGN.md round 3)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.kb.schemas import Slug
from app.security_params import MAX_DB_ID

LearnedStatus = Literal["pending", "accepted", "rejected"]


class PulledPhrasing(BaseModel):
    slug: str  # the other article
    text: str  # its own phrasing that would go to this proposal's article


class LearnedOut(BaseModel):
    id: int
    text: str
    slug: str
    source: str
    count: int
    customers: int  # different customers among ``count``
    first_seen: datetime
    last_seen: datetime
    status: str
    flagged: bool  # the guard found other articles' phrasings it would pull
    pulls: list[PulledPhrasing]


class LearnedList(BaseModel):
    items: list[LearnedOut]
    cursor: str | None


class AcceptMany(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[int, Field(ge=1, le=MAX_DB_ID)]] = Field(min_length=1, max_length=500)


class Refused(BaseModel):
    id: int
    code: str  # article_not_found | too_many_variants
    message: str


class AcceptManyOut(BaseModel):
    items: list[LearnedOut]
    not_found: list[int]
    refused: list[Refused] = []  # left pending: the article is gone or has no room


class ResolveIn(BaseModel):
    """``POST /api/v1/handoffs/{id}/resolve``'s optional body (other fields are ignored, as
    before it had one)."""

    article: Slug | None = None
