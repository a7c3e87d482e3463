"""What a parsed webhook carries, whatever the platform."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from pydantic import StringConstraints

from app.bot.types import InboundMessage
from app.errors import AppError

# Ids as long as the columns that store them: a longer one is a malformed payload (400), not
# a database error half way through.
CustomerId = Annotated[str, StringConstraints(max_length=128)]
AccountId = Annotated[str, StringConstraints(max_length=64)]
MessageId = Annotated[str, StringConstraints(max_length=255)]
StatusName = Annotated[str, StringConstraints(max_length=32)]


class InvalidPayload(AppError):
    status_code = 400
    code = "invalid_payload"


@dataclass(frozen=True)
class StatusUpdate:
    """A platform's delivery report for one of our outbound messages."""

    platform_message_id: str
    status: str  # sent | delivered | read | failed
    error: str | None = None


@dataclass
class WebhookEvents:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    ignored: int = 0  # echoes, reactions, system notices...


def epoch_to_utc(seconds: float | None) -> datetime | None:
    """A platform timestamp as UTC; None when missing or out of range (never a 500)."""
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        return None
