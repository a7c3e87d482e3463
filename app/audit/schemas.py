"""``GET /api/v1/audit`` (shape fixed by DESIGN.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditItem(BaseModel):
    at: datetime
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditItem]
    cursor: str | None  # the next (older) page, or null at the end
