"""The calibration as ``GET /api/v1/kb/status`` and ``GET /api/v1/kb/confusable`` show it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class CalibrationOut(BaseModel):
    answer_threshold: float  # the one this process's searches use now
    expected_wrong: float | None
    phrasings_checked: int
    customers_checked: int  # customers' questions with a known answer it read
    kb_version: int | None  # the KB version it was computed for; null until the first
    updated_at: datetime | None


class ConfusableExample(BaseModel):
    text: str
    slug: str  # the article the phrasing belongs to
    went_to: str  # the article the matcher gave it to without it


class ConfusablePair(BaseModel):
    a: str
    b: str
    score: float
    count: int
    examples: list[ConfusableExample]


class ConfusableList(BaseModel):
    items: list[ConfusablePair]
    kb_version: int | None
