"""A signed-in browser's session and a one-time password link: both stored as hashes only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdType, UTCDateTime, utcnow


class AccountSession(Base):
    """One sign-in. The cookie holds a random id; only its SHA-256 is here, so a copy of the
    database signs nobody in. Signing out deletes the row: the cookie is dead at once."""

    __tablename__ = "account_sessions"
    __table_args__ = (Index("ix_account_sessions_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PasswordToken(Base):
    """A password-setup (new account) or reset link: one use, expires, stored hashed."""

    __tablename__ = "password_tokens"
    __table_args__ = (Index("ix_password_tokens_expires_at", "expires_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "setup" or "reset"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
