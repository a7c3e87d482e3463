"""The event types, and the outbox's names for event deliveries."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    handoff_created = "handoff.created"
    handoff_claimed = "handoff.claimed"
    handoff_released = "handoff.released"
    handoff_resolved = "handoff.resolved"
    conversation_closed = "conversation.closed"
    csat_received = "csat.received"
    sla_warning = "sla.warning"
    sla_breached = "sla.breached"


# OutboxItem.channel of an event delivery; its recipient_key is "event:<subscription id>",
# so one subscriber's events go out in order and a failing one holds back only itself.
EVENT_CHANNEL = "event"
SIGNATURE_HEADER = "X-Router-Signature-256"


def recipient_key(subscription_id: int) -> str:
    return f"{EVENT_CHANNEL}:{subscription_id}"
