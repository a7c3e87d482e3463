"""One row per CES or NPS question asked; the score is filled in when the customer answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdType, UTCDateTime


class SurveyResponse(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        # NPS at most once per customer per interval: "asked this contact lately?"
        Index("ix_survey_responses_contact_kind_asked", "contact_id", "kind", "asked_at"),
        # KPIs by period (the conversation's creation, like every other rate) and channel.
        Index("ix_survey_responses_created_kind", "conversation_created_at", "kind", "channel"),
        Index("ix_survey_responses_conversation_id", "conversation_id"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(8))  # ces | nps
    source: Mapped[str] = mapped_column(String(8))  # agent | bot: what the customer rated
    channel: Mapped[str] = mapped_column(String(16))
    conversation_created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
