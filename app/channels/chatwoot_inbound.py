"""Chatwoot Agent Bot webhook body -> customer messages and conversation changes.

Chatwoot posts ``message.webhook_data`` (``message_created`` / ``message_updated``) and
``conversation.webhook_data`` (``conversation_opened`` / ``conversation_resolved``), each with
an ``event`` key. Only a customer's own message (``message_type: "incoming"``, not private,
sent by a ``contact``) of a conversation the bot owns (``status: "pending"``) reaches the
engine: agents', the bot's own and private messages never do, and neither does anything said
once a person has the conversation (``open``). A choice pressed on our ``input_select``
arrives as ``message_updated`` of our message, with ``submitted_values``.

The router's contact is one Chatwoot conversation: ``<account id>:<conversation id>`` (the
id in Chatwoot's URLs), so replies go back to exactly that conversation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.bot.types import InboundMessage
from app.channels.events import InvalidPayload, epoch_to_utc
from app.types import Channel

BOT_OWNED = "pending"
ID_LIMIT = 60  # digits; far beyond any real id, within the columns that store them


@dataclass(frozen=True)
class ConversationChange:
    """Chatwoot opened (a person took over) or resolved a conversation."""

    external_id: str
    account_id: str
    change: str  # opened | resolved
    key: str  # dedupe key: the same notice twice is handled once


@dataclass
class ChatwootEvents:
    messages: list[InboundMessage] = field(default_factory=list)
    changes: list[ConversationChange] = field(default_factory=list)
    ignored: int = 0


def external_id(account_id: str, conversation_id: str) -> str:
    return f"{account_id}:{conversation_id}"


def conversation_path(contact_external_id: str) -> str:
    account_id, _, conversation_id = contact_external_id.partition(":")
    return f"/api/v1/accounts/{account_id}/conversations/{conversation_id}"


def _id(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    return text if text.isdigit() and len(text) <= ID_LIMIT else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _sent_at(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return epoch_to_utc(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _account(payload: dict[str, Any], conversation: dict[str, Any]) -> str | None:
    found = _id(_dict(payload.get("account")).get("id")) or _id(payload.get("account_id"))
    if found is None:
        found = _id(conversation.get("account_id"))
    if found is None:  # conversation notices: the last message carries it
        messages = conversation.get("messages")
        if isinstance(messages, list) and messages:
            found = _id(_dict(messages[0]).get("account_id"))
    return found


def _is_customer_message(payload: dict[str, Any]) -> bool:
    kind = payload.get("message_type")
    sender = _dict(payload.get("sender"))
    return (
        kind in ("incoming", 0)
        and payload.get("private") is not True
        and sender.get("type", "contact") == "contact"
    )


def _submitted(payload: dict[str, Any]) -> str | None:
    """The value of the option pressed on one of our input_select messages."""
    values = _dict(payload.get("content_attributes")).get("submitted_values")
    if not isinstance(values, list) or not values:
        return None
    value = _dict(values[0]).get("value")
    return value[:200] if isinstance(value, str) and value else None


def _message(payload: dict[str, Any], event: str) -> InboundMessage | None:
    conversation = _dict(payload.get("conversation"))
    account, conversation_id = _account(payload, conversation), _id(conversation.get("id"))
    message_id = _id(payload.get("id"))
    if account is None or conversation_id is None or message_id is None:
        return None
    if conversation.get("status") != BOT_OWNED:
        return None  # a person has it (open), or it is resolved / snoozed: stay silent
    sender = _dict(payload.get("sender")) or _dict(_dict(conversation.get("meta")).get("sender"))
    common: dict[str, Any] = {
        "channel": Channel.chatwoot,
        "external_id": external_id(account, conversation_id),
        "account_id": account,
        "display_name": sender.get("name") if isinstance(sender.get("name"), str) else None,
        "sent_at": _sent_at(payload.get("created_at")),
    }
    if event == "message_updated":
        # Our own outgoing message, updated with the option the customer pressed.
        action = _submitted(payload) if payload.get("message_type") in ("outgoing", 1) else None
        if action is None:
            return None
        return InboundMessage(
            action=action, platform_message_id=f"{message_id}:submitted", **common
        )
    if not _is_customer_message(payload):
        return None
    content = payload.get("content")
    text = content if isinstance(content, str) else None
    attachments = payload.get("attachments")
    unsupported = None
    if not text and isinstance(attachments, list) and attachments:
        file_type = _dict(attachments[0]).get("file_type")
        unsupported = file_type if isinstance(file_type, str) and file_type else "file"
    return InboundMessage(
        text=text, platform_message_id=message_id, unsupported_type=unsupported, **common
    )


_CHANGES = {"conversation_opened": "opened", "conversation_resolved": "resolved"}
_STATUS_CHANGES = {"open": "opened", "resolved": "resolved"}


def _change(payload: dict[str, Any], event: str) -> ConversationChange | None:
    change = _CHANGES.get(event)
    if change is None and event == "conversation_status_changed":
        change = _STATUS_CHANGES.get(str(payload.get("status")))
    account, conversation_id = _account(payload, payload), _id(payload.get("id"))
    if change is None or account is None or conversation_id is None:
        return None
    stamp = payload.get("updated_at") or payload.get("timestamp") or ""
    return ConversationChange(
        external_id=external_id(account, conversation_id),
        account_id=account,
        change=change,
        key=f"{account}:{conversation_id}:{change}:{stamp}"[:300],
    )


def parse_chatwoot(body: bytes) -> ChatwootEvents:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidPayload(f"body is not JSON: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("event"), str):
        raise InvalidPayload("expected a Chatwoot event object with an 'event' name")
    event = payload["event"]
    found = ChatwootEvents()
    if event in ("message_created", "message_updated"):
        message = _message(payload, event)
        if message is not None:
            found.messages.append(message)
            return found
    else:
        change = _change(payload, event)
        if change is not None:
            found.changes.append(change)
            return found
    found.ignored = 1
    return found
