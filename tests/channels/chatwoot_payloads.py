"""Agent Bot webhook bodies shaped like Chatwoot's own (``Message#webhook_data`` with the
conversation's ``webhook_data`` inside, ``Conversation#webhook_data`` for notices), and
posting them signed as Chatwoot signs webhooks."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx

ACCOUNT = 1
CW_SECRET = "chatwoot-webhook-secret"
CW_TOKEN = "chatwoot-bot-token"
_ids = itertools.count(100)


def _conversation(conversation_id: int, status: str) -> dict[str, Any]:
    return {
        "additional_attributes": {},
        "can_reply": True,
        "channel": "Channel::WebWidget",
        "contact_inbox": {"id": 11, "contact_id": 21, "inbox_id": 4, "source_id": "src-1"},
        "id": conversation_id,
        "inbox_id": 4,
        "messages": [{"id": 99, "account_id": ACCOUNT, "conversation_id": conversation_id}],
        "labels": [],
        "meta": {"sender": {"id": 21, "name": "Sari", "type": "contact"}, "assignee": None},
        "status": status,
        "custom_attributes": {},
        "snoozed_until": None,
        "unread_count": 1,
        "agent_last_seen_at": 0,
        "contact_last_seen_at": 0,
        "timestamp": 1764620000,
        "created_at": 1764620000,
        "updated_at": 1764620000.5,
    }


def message(
    content: str | None,
    *,
    conversation_id: int = 3,
    status: str = "pending",
    message_type: str = "incoming",
    sender_type: str = "contact",
    private: bool = False,
    message_id: int | None = None,
    event: str = "message_created",
    content_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    sender: dict[str, Any] = {"id": 21, "name": "Sari", "type": sender_type}
    if sender_type == "contact":
        sender |= {"email": None, "phone_number": "+628111", "identifier": None}
    return {
        "event": event,
        "account": {"id": ACCOUNT, "name": "Toko Contoh"},
        "additional_attributes": {},
        "content_attributes": content_attributes or {},
        "content_type": "text",
        "content": content,
        "conversation": _conversation(conversation_id, status),
        # As Rails renders it; now, or the router would take it for a stale re-delivery.
        "created_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "id": message_id if message_id is not None else next(_ids),
        "inbox": {"id": 4, "name": "Website"},
        "message_type": message_type,
        "private": private,
        "sender": sender,
        "source_id": None,
    }


def pressed(value: str, title: str, *, conversation_id: int = 3) -> dict[str, Any]:
    """The customer pressed an option of one of our input_select messages."""
    return message(
        "Apakah ini membantu?",
        conversation_id=conversation_id,
        message_type="outgoing",
        sender_type="agent_bot",
        event="message_updated",
        content_attributes={
            "items": [{"title": title, "value": value}],
            "submitted_values": [{"title": title, "value": value}],
        },
    )


def notice(event: str, *, conversation_id: int = 3, status: str = "open") -> dict[str, Any]:
    return {**_conversation(conversation_id, status), "event": event}


def signed_headers(raw: bytes, secret: str = CW_SECRET, at: float | None = None) -> dict[str, str]:
    stamp = str(int(time.time() if at is None else at))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Chatwoot-Signature": f"sha256={digest}",
        "X-Chatwoot-Timestamp": stamp,
    }


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    raw = json.dumps(body).encode()
    return await client.post("/webhooks/chatwoot", content=raw, headers=signed_headers(raw))
