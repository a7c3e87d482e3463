"""SLA policy bodies and a handoff's ``sla`` (shapes fixed by DESIGN.md, round 3)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.security_params import MAX_DB_ID
from app.types import Channel

# A year of seconds: a longer target is a typo, not a service level.
Target = Annotated[int, Field(ge=1, le=366 * 24 * 3600)]
TeamId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    first_response_s: Target
    next_response_s: Target | None = None
    resolution_s: Target | None = None
    business_hours: bool
    channels: list[Channel] = Field(default_factory=list, max_length=len(Channel))
    teams: list[TeamId] = Field(default_factory=list, max_length=200)
    position: int = Field(default=0, ge=-1_000_000, le=1_000_000)


class PolicyPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    first_response_s: Target | None = None
    next_response_s: Target | None = None
    resolution_s: Target | None = None
    business_hours: bool | None = None
    channels: list[Channel] | None = Field(default=None, max_length=len(Channel))
    teams: list[TeamId] | None = Field(default=None, max_length=200)
    position: int | None = Field(default=None, ge=-1_000_000, le=1_000_000)


class PolicyOut(BaseModel):
    id: int
    name: str
    first_response_s: int
    next_response_s: int | None
    resolution_s: int | None
    business_hours: bool
    channels: list[str]
    teams: list[int]
    position: int
    created_at: datetime
    updated_at: datetime


class PolicyList(BaseModel):
    items: list[PolicyOut]


class PolicyRef(BaseModel):
    id: int | None
    name: str | None


class Breach(BaseModel):
    metric: str
    due_at: datetime
    at: datetime


class HandoffSlaOut(BaseModel):
    """A handoff's ``sla``: the policy applied, the due times still running, what was missed."""

    policy: PolicyRef
    first_response_due_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None
    status: Literal["active", "hit", "missed"]
    breaches: list[Breach]
