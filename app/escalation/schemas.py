"""Response and request bodies of the handoff and agent APIs (shapes fixed by DESIGN.md)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.conversations.transcript import TranscriptItem
from app.sla.schemas import HandoffSlaOut


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


class AgentReplyIn(BaseModel):
    text: str


class AgentReplyOut(BaseModel):
    handoff_id: int
    message_id: int
    created_at: datetime


class AgentCreateIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class AgentCreated(BaseModel):
    id: int
    name: str
    token: str = Field(description="shown once; only its hash is stored")


class AgentOut(BaseModel):
    id: int
    name: str
    active: bool
    created_at: datetime


class AgentList(BaseModel):
    items: list[AgentOut]
