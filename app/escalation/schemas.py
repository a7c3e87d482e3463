"""Response and request bodies of the handoff and agent APIs (shapes fixed by DESIGN.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


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


class HandoffList(BaseModel):
    items: list[HandoffItem]


class TranscriptMessage(BaseModel):
    id: int
    direction: str
    sender: str
    text: str | None
    action: str | None
    buttons: list[dict[str, Any]] | None
    article_slug: str | None
    delivery_status: str | None
    created_at: datetime


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
