"""Admin view of webhook events (no message text: that is in the conversation)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class InboxState(StrEnum):
    pending = "pending"  # stored, not handled yet (or waiting for a retry)
    failed = "failed"  # the engine failed on it ROUTER_INBOX_MAX_ATTEMPTS times: set aside
    done = "done"


class InboxItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    kind: str
    dedupe_key: str
    contact_key: str | None
    received_at: datetime
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    processed_at: datetime | None
    outcome: str | None


class InboxList(BaseModel):
    items: list[InboxItemOut]
