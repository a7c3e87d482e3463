"""One row per webhook event (a customer message or a delivery report) until it is handled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdType, UTCDateTime
from app.types import JSONType

PENDING = text("processed_at IS NULL")


class InboxItem(Base):
    __tablename__ = "inbox"
    __table_args__ = (
        # A re-delivered event carries the same key: the insert is a no-op, the 200 says so.
        UniqueConstraint("channel", "dedupe_key"),
        # The processor's claim: the oldest pending rows ...
        Index("ix_inbox_pending_id", "id", sqlite_where=PENDING, postgresql_where=PENDING),
        # ... whose customer has no older pending row (per-customer order).
        Index(
            "ix_inbox_pending_contact",
            "channel",
            "contact_key",
            "id",
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        ),
        # Pruning handled rows once platforms no longer re-deliver them.
        Index("ix_inbox_processed_at", "processed_at"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # message | status
    # The platform's message id (messages) or "<id>:<status>" (delivery reports).
    dedupe_key: Mapped[str] = mapped_column(String(300))
    # The customer's id on the channel; NULL for delivery reports, which need no order.
    contact_key: Mapped[str | None] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # done | failed (gave up after the configured attempts; kept for inspection)
    outcome: Mapped[str | None] = mapped_column(String(16))
