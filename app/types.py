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
    instagram = "instagram"
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
    # Content that needs a person (issue 20): a catalog order, a finished WhatsApp Flow form,
    # and a person answering from outside (Page inbox, Instagram app, WhatsApp Business app).
    order = "order"
    form = "form"
    external_agent = "external_agent"


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


class MessageKind(StrEnum):
    """What a customer sent (DESIGN.md round 2); ``other`` for anything a platform adds."""

    text = "text"
    image = "image"
    audio = "audio"
    video = "video"
    document = "document"
    sticker = "sticker"
    location = "location"
    contacts = "contacts"
    order = "order"
    form = "form"
    other = "other"
