"""Response shapes of the conversations API for ops (keys named in DESIGN.md are fixed)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.escalation.schemas import Customer, TranscriptMessage


class ConversationItem(BaseModel):
    id: int
    channel: str
    customer: Customer
    status: str
    outcome: str | None = Field(description="null while the conversation is still open")
    reason: str | None = Field(description="the escalation reason, when escalated")
    created_at: datetime
    closed_at: datetime | None
    first_message: str | None = Field(description="the customer's first text (null if removed)")
    labels: list[str] = Field(default_factory=list, description="set by agents (issue 32)")


class ConversationList(BaseModel):
    items: list[ConversationItem]
    cursor: str | None = Field(description="pass as ?cursor= for the next page; null at the end")


class ConversationHandoff(BaseModel):
    """The conversation's latest handoff to a person."""

    id: int
    reason: str
    status: str
    agent_id: int | None
    agent_name: str | None
    created_at: datetime
    claimed_at: datetime | None
    first_agent_reply_at: datetime | None
    resolved_at: datetime | None
    csat_score: int | None


class ConversationDetail(ConversationItem):
    language: str
    article_slug: str | None = Field(description="the article the conversation ended on")
    outcome_recorded_at: datetime | None
    handoff: ConversationHandoff | None
    transcript: list[TranscriptMessage]
