"""Canned replies (personal or shared) and conversation labels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdType, UTCDateTime, utcnow

SHARED = text("shared")
PERSONAL = text("NOT shared")


class CannedResponse(Base):
    """A reply an agent inserts by typing ``/shortcut``; ``{name}`` becomes the customer's."""

    __tablename__ = "canned_responses"
    __table_args__ = (
        # One shared reply per shortcut, and one personal reply per owner and shortcut: the
        # database decides races, as everywhere else.
        Index(
            "uq_canned_responses_shared_shortcut",
            "shortcut",
            unique=True,
            sqlite_where=SHARED,
            postgresql_where=SHARED,
        ),
        Index(
            "uq_canned_responses_owner_shortcut",
            "owner_agent_id",
            "shortcut",
            unique=True,
            sqlite_where=PERSONAL,
            postgresql_where=PERSONAL,
        ),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    shortcut: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(default=False)
    # Who wrote it (null for the admin token); a personal reply is seen by its owner only.
    owner_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConversationLabel(Base):
    """One label on one conversation ("refund", "vip"); filters lists and statistics."""

    __tablename__ = "conversation_labels"
    __table_args__ = (Index("ix_conversation_labels_label", "label", "conversation_id"),)

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    label: Mapped[str] = mapped_column(String(32), primary_key=True)
