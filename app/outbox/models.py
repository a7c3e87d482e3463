"""Pending outbound deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdType, UTCDateTime, utcnow
from app.types import JSONType

if TYPE_CHECKING:
    from app.conversations.models import Message

PENDING = text("status = 'pending'")


def customer_key(channel: str, account_id: str | None, external_id: str) -> str:
    """``OutboxItem.recipient_key`` of every delivery to one customer (replies, a Chatwoot
    handover): they go out in order, and their erasure finds them all."""
    return f"{channel}:{account_id or ''}:{external_id}"


class OutboxItem(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        # The claim's per-recipient order check probes only pending rows, so it stays one
        # index lookup however many delivered rows the table keeps.
        Index(
            "ix_outbox_pending_recipient",
            "recipient_key",
            "id",
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        ),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    # "<channel>:<account>:<recipient>": deliveries to one customer go out in order.
    recipient_key: Mapped[str] = mapped_column(String(300))
    account_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Lets a reply and its deliveries be added together and written by one flush, which
    # fills ``message_id`` in: the engine flushes once per batch of messages, not per reply.
    message: Mapped[Message | None] = relationship(lazy="raise")
