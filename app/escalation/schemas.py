"""Response and request bodies of the handoff and agent APIs (shapes fixed by DESIGN.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.conversations.transcript import TranscriptItem
from app.sla.schemas import HandoffSlaOut
from app.teams.schemas import BodyId, TeamRef


class Customer(BaseModel):
    name: str | None
    external_id: str


class HandoffItem(BaseModel):
    """One queue entry; ``position`` is set only while waiting."""

    id: int
    conversation_id: int
    channel: str
    customer: Customer
    reason: str
    status: str
    priority: int
    position: int | None
    agent_id: int | None
    created_at: datetime
    claimed_at: datetime | None
    lease_expires_at: datetime | None
    # The customer's first message with text, so an agent sees what the request is about.
    first_message: str | None = None
    # The team it was routed or transferred to (issue 32).
    team: TeamRef | None = None
    # Service level (app.sla): null when no policy applied.
    sla: HandoffSlaOut | None = None
    # Whether the first-response clock still runs (the agent page's SLA countdown).
    first_agent_reply_at: datetime | None = None


class HandoffList(BaseModel):
    items: list[HandoffItem]


# Shared with every transcript (agent workspace, conversations API): one serialiser.
TranscriptMessage = TranscriptItem


class HandoffDetail(HandoffItem):
    conversation_status: str
    agent_name: str | None
    first_agent_reply_at: datetime | None
    resolved_at: datetime | None
    csat_score: int | None
    csat_comment: str | None = None
    # WhatsApp only: free-form replies are allowed for 24 h after the customer's last message.
    reply_window_seconds_left: int | None
    transcript: list[TranscriptMessage]
    labels: list[str] = Field(default_factory=list)  # the conversation's (issue 32)


class TranscriptPage(BaseModel):
    """``GET /api/v1/handoffs/{id}/messages``: items after the cursor, and the next cursor."""

    messages: list[TranscriptMessage]
    cursor: str


class Suggestion(BaseModel):
    slug: str
    question: str
    answer: str
    url: str | None
    score: float


class SuggestionList(BaseModel):
    items: list[Suggestion]


class Me(BaseModel):
    """Who a token belongs to (the agent page shows it and picks "mine" by it)."""

    kind: str
    id: int | None
    name: str | None
    role: str = "agent"  # what the page may offer: supervisors transfer any handoff


class AgentReplyIn(BaseModel):
    text: str


class AgentReplyOut(BaseModel):
    handoff_id: int
    message_id: int
    created_at: datetime


class AgentCreateIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    # Accounts (issue 32): with an e-mail, the agent also signs in with a password.
    email: str | None = Field(default=None, max_length=320)
    role: Literal["agent", "supervisor", "admin"] = "agent"
    # Routing (issue 32): the agent's teams and how many handoffs they may hold at once.
    teams: list[BodyId] | None = Field(default=None, max_length=200)
    max_open: int | None = Field(default=None, ge=1, le=100)


class AgentRoutingIn(BaseModel):
    """``PATCH /api/v1/agents/{id}``: what is given changes; the role has its own PUT."""

    teams: list[BodyId] | None = Field(default=None, max_length=200)
    max_open: int | None = Field(default=None, ge=1, le=100)


class AgentCreated(BaseModel):
    id: int
    name: str
    token: str = Field(description="shown once; only its hash is stored")
    password_setup_url: str | None = Field(
        default=None, description="one use, expires: the agent sets a password there"
    )


class AgentOut(BaseModel):
    id: int
    name: str
    active: bool
    created_at: datetime
    email: str | None = None
    role: str = "agent"
    # Presence and load (issue 32).
    status: str = "offline"
    open_count: int = 0
    max_open: int = 3
    teams: list[int] = Field(default_factory=list)


class AgentList(BaseModel):
    items: list[AgentOut]
