"""One audit entry: an actor did an action to a target at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdType, UTCDateTime, utcnow
from app.types import JSONType


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_actor_at", "actor", "at"),
        Index("ix_audit_log_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "admin-token", "agent:12", or for a failed sign-in the e-mail as typed (never a password).
    actor: Mapped[str] = mapped_column(String(320))
    # Dotted, domain first: "auth.login", "auth.login_failed", "kb.article_updated",
    # "handoff.claimed", "handoff.transferred", "handoff.resolved", "agent.created", ...
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200))  # "article:refund", "handoff:7"
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
