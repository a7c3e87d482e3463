"""Proposed phrasings, where each came from, and how far the harvest of outcomes got."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdType, UTCDateTime, utcnow
from app.types import JSONType


class LearnedPhrasing(Base):
    """A customer's wording (scrubbed) that led to article ``slug``; the same wording again
    raises ``count``. Accepted, it becomes a variant of the article."""

    __tablename__ = "learned_phrasings"
    __table_args__ = (
        UniqueConstraint("slug", "text_key"),
        Index("ix_learned_phrasings_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    text_key: Mapped[str] = mapped_column(String(64))  # the wording folded: repeats merge
    source: Mapped[str] = mapped_column(String(24))  # chosen_suggestion | agent_answer
    count: Mapped[int] = mapped_column(Integer, default=1)
    customers: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # The guard: articles whose own phrasings it would pull to ``slug`` (never auto-accepted).
    pulls: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    checked_kb_version: Mapped[int | None] = mapped_column(Integer)  # of the guard's check
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))


class LearnedSource(Base):
    """One conversation that led to a phrasing: counted once however often it is seen."""

    __tablename__ = "learned_phrasing_sources"
    __table_args__ = (UniqueConstraint("phrasing_id", "conversation_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    phrasing_id: Mapped[int] = mapped_column(ForeignKey("learned_phrasings.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(IdType)
    contact_id: Mapped[int | None] = mapped_column(IdType)
    source: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LearningCursor(Base):
    """How far the harvest of ended conversations got (the last outcome id read)."""

    __tablename__ = "learning_cursor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    outcome_id: Mapped[int] = mapped_column(IdType, default=0)
