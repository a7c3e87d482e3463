"""The KB drafts an editor published (a draft is offered until it is published once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class PublishedDraft(Base):
    __tablename__ = "assist_published_drafts"

    # The draft's id (a hash of its knowledge-gap group): the primary key makes a second
    # publish, also a concurrent one, a conflict.
    draft_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    slug: Mapped[str] = mapped_column(String(120))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
