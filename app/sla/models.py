"""SLA policies, each handoff's service-level clock, its warnings and breaches, and the
customer's waits for an agent's next reply (the next-response KPI)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdType, UTCDateTime, utcnow
from app.types import JSONType

CHECK_PENDING = text("check_at IS NOT NULL")


class SlaPolicy(Base):
    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    first_response_s: Mapped[int] = mapped_column(Integer)
    next_response_s: Mapped[int | None] = mapped_column(Integer)
    resolution_s: Mapped[int | None] = mapped_column(Integer)
    business_hours: Mapped[bool] = mapped_column(default=True)
    # Empty: every channel / team. Teams are team ids.
    channels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    teams: Mapped[list[int]] = mapped_column(JSONType, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HandoffSla(Base):
    """One per handoff. The targets are copied from the policy when it was applied, so an
    edited policy changes new handoffs only. Without a policy the row only tracks the
    customer's wait for the next reply (``awaiting_since``)."""

    __tablename__ = "handoff_slas"
    __table_args__ = (
        # The breach job's queue: rows with a warning or due time still ahead of them.
        Index(
            "ix_handoff_slas_check_at",
            "check_at",
            sqlite_where=CHECK_PENDING,
            postgresql_where=CHECK_PENDING,
        ),
        Index("ix_handoff_slas_policy_id", "policy_id"),
    )

    handoff_id: Mapped[int] = mapped_column(
        ForeignKey("handoffs.id", ondelete="CASCADE"), primary_key=True
    )
    policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_policies.id", ondelete="SET NULL")
    )
    policy_name: Mapped[str | None] = mapped_column(String(200))
    business_hours: Mapped[bool] = mapped_column(default=False)
    first_response_s: Mapped[int | None] = mapped_column(Integer)
    next_response_s: Mapped[int | None] = mapped_column(Integer)
    resolution_s: Mapped[int | None] = mapped_column(Integer)
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_response_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first customer message not yet answered by an agent (after the first reply).
    awaiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Per metric: null (pending or not applicable), "hit" or "missed".
    first_response_status: Mapped[str | None] = mapped_column(String(8))
    next_response_status: Mapped[str | None] = mapped_column(String(8))
    resolution_status: Mapped[str | None] = mapped_column(String(8))
    # active | hit | missed (null without a policy)
    status: Mapped[str | None] = mapped_column(String(8))
    # The next moment the breach job must look at this row; null when nothing is pending.
    check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Warning and due moments up to here have been looked at (by the job or at creation).
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SlaEvent(Base):
    """A warning (a share of a target used) or a breach, recorded once: the unique key makes
    two replicas' jobs (or a job and an agent's late reply) agree on one row."""

    __tablename__ = "sla_events"
    __table_args__ = (UniqueConstraint("handoff_id", "kind", "metric", "due_at"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # warning | breach
    metric: Mapped[str] = mapped_column(String(16))  # first_response | next_response | resolution
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReplyWait(Base):
    """How long a customer who wrote again after an agent's reply waited for the next one."""

    __tablename__ = "handoff_reply_waits"
    __table_args__ = (Index("ix_handoff_reply_waits_handoff_id", "handoff_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"))
    customer_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seconds: Mapped[float] = mapped_column(Float)
