"""Shared rate-limit state (PostgreSQL): one row per limited key."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class RateLimitState(Base):
    """GCRA state: ``tat`` is the key's theoretical arrival time (Unix seconds), how far into
    the future its allowance is already spent. A row with ``tat`` in the past is a full
    allowance and carries nothing: the prune job deletes it."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    tat: Mapped[float] = mapped_column(Float)
