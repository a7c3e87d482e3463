"""Column types and enumerations shared by several domains."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB

JSONType: Any = JSON().with_variant(JSONB(), "postgresql")


class Channel(StrEnum):
    whatsapp = "whatsapp"
    messenger = "messenger"
    webchat = "webchat"
    chatwoot = "chatwoot"


class ConversationStatus(StrEnum):
    bot = "bot"
    handoff = "handoff"
    closed = "closed"


class Direction(StrEnum):
    inbound = "in"
    outbound = "out"


class Sender(StrEnum):
    customer = "customer"
    bot = "bot"
    agent = "agent"
    system = "system"


class OutcomeKind(StrEnum):
    deflected_confirmed = "deflected_confirmed"
    deflected_assumed = "deflected_assumed"
    escalated = "escalated"
    unresolved = "unresolved"
    no_request = "no_request"


class EscalationReason(StrEnum):
    button = "button"
    customer_request = "customer_request"
    repeated_miss = "repeated_miss"
    frustration = "frustration"
    not_helpful = "not_helpful"


class HandoffStatus(StrEnum):
    waiting = "waiting"
    assigned = "assigned"
    resolved = "resolved"
    cancelled = "cancelled"


class DeliveryStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    delivered = "delivered"
    read = "read"
    failed = "failed"


class OutboxStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"
