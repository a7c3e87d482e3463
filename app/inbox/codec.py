"""Parsed webhook events <-> inbox rows (JSON payloads that survive a restart)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from app.bot.types import InboundMessage
from app.channels.events import StatusUpdate, WebhookEvents
from app.types import Channel

MESSAGE = "message"
STATUS = "status"
CONTENT_FIELDS = (
    "kind",
    "caption",
    "media_id",
    "media_url",
    "media_mime_type",
    "media_filename",
    "latitude",
    "longitude",
    "location_name",
    "location_address",
    "echo",
)


def message_row(inbound: InboundMessage, *, received_at: datetime) -> dict[str, Any]:
    inbound = inbound.without_nul()
    # By hand, not dataclasses.asdict: that deep-copies every field (a tenth of the ack).
    payload = {
        "channel": inbound.channel.value,
        "external_id": inbound.external_id,
        "text": inbound.text,
        "action": inbound.action,
        "platform_message_id": inbound.platform_message_id,
        "account_id": inbound.account_id,
        "display_name": inbound.display_name,
        "sent_at": inbound.sent_at.isoformat() if inbound.sent_at else None,
        "unsupported_type": inbound.unsupported_type,
    }
    # Content fields only when set: most messages are plain text.
    for name in CONTENT_FIELDS:
        value = getattr(inbound, name)
        if value is not None and value != "text" and value is not False:
            payload[name] = value
    return {
        "channel": inbound.channel.value,
        "kind": MESSAGE,
        # Platforms always send an id; without one there is nothing to dedupe on.
        "dedupe_key": inbound.platform_message_id or f"no-id:{uuid.uuid4().hex}",
        "contact_key": inbound.external_id,
        "payload": payload,
        **_schedule(received_at),
    }


def status_row(channel: Channel, report: StatusUpdate, *, received_at: datetime) -> dict[str, Any]:
    return {
        "channel": channel.value,
        "kind": STATUS,
        "dedupe_key": f"{report.platform_message_id}:{report.status}".replace("\x00", ""),
        "contact_key": None,
        "payload": {
            "platform_message_id": report.platform_message_id.replace("\x00", ""),
            "status": report.status.replace("\x00", ""),
            "error": report.error.replace("\x00", "") if report.error else None,
        },
        **_schedule(received_at),
    }


def _schedule(received_at: datetime) -> dict[str, Any]:
    return {"received_at": received_at, "next_attempt_at": received_at, "attempts": 0}


def rows_for(
    channel: Channel, events: WebhookEvents, *, received_at: datetime
) -> list[dict[str, Any]]:
    return [message_row(m, received_at=received_at) for m in events.messages] + [
        status_row(channel, s, received_at=received_at) for s in events.statuses
    ]


def inbound_from(payload: dict[str, Any]) -> InboundMessage:
    values = dict(payload)
    values["channel"] = Channel(values["channel"])
    sent_at = values.get("sent_at")
    values["sent_at"] = datetime.fromisoformat(sent_at) if sent_at else None
    return InboundMessage(**values)


def status_from(payload: dict[str, Any]) -> StatusUpdate:
    return StatusUpdate(**payload)
