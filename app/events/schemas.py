"""Admin API bodies for event subscriptions. The secret goes in, never out."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from app.events.addresses import MAX_URL_LENGTH
from app.events.catalog import EventType


class SubscriptionIn(BaseModel):
    url: str = Field(min_length=1, max_length=MAX_URL_LENGTH)
    events: list[EventType] = Field(min_length=1, max_length=len(EventType))
    # The receiver's key for HMAC-SHA256 of each body (X-Router-Signature-256).
    secret: str = Field(min_length=8, max_length=200)

    @field_validator("events")
    @classmethod
    def _unique(cls, value: list[EventType]) -> list[EventType]:
        return list(dict.fromkeys(value))


class DeliveryHealth(BaseModel):
    consecutive_failures: int
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None
    pending: int  # deliveries waiting to be sent (or retried)
    failed: int  # set aside: given up on, or stored while paused (resume sends them)


class SubscriptionOut(BaseModel):
    id: int
    url: str
    events: list[str]
    status: str  # active | paused
    paused_reason: str | None
    paused_at: datetime | None
    created_at: datetime
    health: DeliveryHealth


class SubscriptionList(BaseModel):
    items: list[SubscriptionOut]
