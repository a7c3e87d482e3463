"""Help-center activity: one row per search, view, vote, search click or contact.

No cookies and no personal data: ``visitor`` is a hash (of a random id the client sent, or
of the IP address and user agent with a salt that changes every day), so a visitor cannot
be followed from one day to the next nor traced back to an address.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdType, UTCDateTime, utcnow


class HelpEvent(Base):
    __tablename__ = "help_events"
    __table_args__ = (
        # Stats read a period's events by type.
        Index("ix_help_events_at_type", "at", "type"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    day: Mapped[str] = mapped_column(String(10))  # local date (ROUTER_TIMEZONE), YYYY-MM-DD
    # search | view | vote | search_click | contact
    type: Mapped[str] = mapped_column(String(16))
    visitor: Mapped[str] = mapped_column(String(32))
    slug: Mapped[str | None] = mapped_column(String(120))
    helpful: Mapped[bool | None]
    search_id: Mapped[str | None] = mapped_column(String(32))
    # A search: its text (personal data scrubbed) and the matcher's decision.
    query: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(8))
    # Views and votes count once per visitor, article and day: the database refuses the
    # second row with the same key (an INSERT .. ON CONFLICT DO NOTHING), across replicas.
    dedupe: Mapped[str | None] = mapped_column(String(200), unique=True)
