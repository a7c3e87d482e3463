"""Request and response bodies of the teams, transfer and presence APIs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from app.security_params import MAX_DB_ID

# Ids in a body, bounded like ids in a path (a larger number would overflow the driver).
BodyId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]
Category = Annotated[str, Field(max_length=200)]


class TeamRef(BaseModel):
    """How a handoff names its team: ``{"id", "name"}``."""

    id: int
    name: str


class TeamIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    categories: list[Category] = Field(default_factory=list, max_length=200)
    auto_assign: bool = False
    # Agent ids; replaces the membership when given.
    members: list[BodyId] | None = Field(default=None, max_length=1000)


class TeamPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    categories: list[Category] | None = Field(default=None, max_length=200)
    auto_assign: bool | None = None
    members: list[BodyId] | None = Field(default=None, max_length=1000)


class TeamMemberOut(BaseModel):
    id: int
    name: str
    status: str


class TeamOut(BaseModel):
    id: int
    name: str
    categories: list[str]
    auto_assign: bool
    members: list[TeamMemberOut]
    created_at: datetime


class TeamList(BaseModel):
    items: list[TeamOut]


class DirectoryAgent(BaseModel):
    id: int
    name: str
    status: str
    open_count: int
    max_open: int
    teams: list[int]


class Directory(BaseModel):
    """What an agent needs to pick a queue or a transfer target (names, presence, load)."""

    teams: list[TeamRef]
    agents: list[DirectoryAgent]


class TransferIn(BaseModel):
    """Exactly one of ``team`` (back to that team's queue) or ``agent`` (straight to them)."""

    team: int | None = Field(default=None, ge=1, le=MAX_DB_ID)
    agent: int | None = Field(default=None, ge=1, le=MAX_DB_ID)

    @model_validator(mode="after")
    def _exactly_one(self) -> TransferIn:
        if (self.team is None) == (self.agent is None):
            raise ValueError("give exactly one of team or agent")
        return self


Status = Literal["online", "away", "offline"]


class StatusIn(BaseModel):
    status: Status


class StatusOut(BaseModel):
    status: Status
    # What the page needs to keep it true: when to turn away, how often to repeat it.
    idle_minutes: float
    heartbeat_seconds: float
    assigned: list[int] = Field(description="handoffs given to the agent by this change")
