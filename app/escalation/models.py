"""Agents, handoffs and the handoff event log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdType, UTCDateTime, utcnow

CSAT_COMMENTED = text("csat_comment IS NOT NULL")


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Accounts (issue 32): e-mail and password sign-in; `agent`, `supervisor` or `admin`.
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="agent", server_default="agent")
    # Presence and capacity for routing: `online`, `away` or `offline`.
    status: Mapped[str] = mapped_column(String(16), default="offline", server_default="offline")
    max_open: Mapped[int] = mapped_column(Integer, default=3, server_default=text("3"))
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The page's last heartbeat: an `online` agent not heard from in a while is set offline.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Handoff(Base):
    __tablename__ = "handoffs"
    __table_args__ = (
        # One live handoff per conversation, whatever races the escalation triggers run.
        Index(
            "uq_handoffs_live_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("status IN ('waiting', 'assigned')"),
            postgresql_where=text("status IN ('waiting', 'assigned')"),
        ),
        Index("ix_handoffs_status_priority_created_at", "status", "priority", "created_at"),
        Index("ix_handoffs_created_at", "created_at"),
        # Every handoff of a conversation (transcripts, the stats export), not just the live one.
        Index("ix_handoffs_conversation_id", "conversation_id"),
        # An agent's open count (auto-assignment checks it under the agent's row lock).
        Index("ix_handoffs_agent_id_status", "agent_id", "status"),
        # Retention: the CSAT comments not removed yet (customer text, like a message's).
        Index(
            "ix_handoffs_csat_commented",
            "id",
            sqlite_where=CSAT_COMMENTED,
            postgresql_where=CSAT_COMMENTED,
        ),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    # The team whose categories the conversation was about, else the default team (routing).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_agent_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The article the agent resolved with (``{"article": slug}``), null when none: the
    # calibration reads it as the right answer to what the customer asked.
    resolved_article: Mapped[str | None] = mapped_column(String(120))
    csat_score: Mapped[int | None] = mapped_column(Integer)
    csat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the customer wrote with or right after the rating ("cepat dan ramah").
    csat_comment: Mapped[str | None] = mapped_column(Text)


class HandoffEvent(Base):
    """Audit trail: created, claimed, released, lease_expired, agent_reply, resolved."""

    __tablename__ = "handoff_events"
    __table_args__ = (Index("ix_handoff_events_handoff_id", "handoff_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
