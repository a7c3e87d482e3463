"""Messenger Platform webhook body -> InboundMessages (echoes and receipts ignored)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, ValidationError

from app.bot.types import InboundMessage
from app.channels.events import AccountId, InvalidPayload, MessageId, WebhookEvents, epoch_to_utc
from app.types import Channel

OBJECT = "page"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Party(_Model):
    id: AccountId | None = None  # a page id or a PSID


class QuickReply(_Model):
    payload: str | None = None


class Attachment(_Model):
    type: str = "file"


class MsMessage(_Model):
    mid: MessageId | None = None
    text: str | None = None
    is_echo: bool = False
    quick_reply: QuickReply | None = None
    attachments: list[Attachment] = []


class Postback(_Model):
    mid: MessageId | None = None
    title: str | None = None
    payload: str | None = None


class Event(_Model):
    sender: Party | None = None
    recipient: Party | None = None
    timestamp: int | None = None
    message: MsMessage | None = None
    postback: Postback | None = None


class Entry(_Model):
    id: AccountId | None = None
    messaging: list[Event] = []


class MessengerWebhook(_Model):
    object: str
    entry: list[Entry]


def _sent_at(timestamp_ms: int | None) -> datetime | None:
    # Messenger sends epoch milliseconds as a number.
    return epoch_to_utc(timestamp_ms / 1000 if timestamp_ms is not None else None)


def _inbound(event: Event, page_id: str | None) -> InboundMessage | None:
    sender = event.sender.id if event.sender else None
    if sender is None:
        return None  # chat-plugin `user_ref` senders are not supported
    page = (event.recipient.id if event.recipient else None) or page_id
    sent_at = _sent_at(event.timestamp)
    if event.postback is not None:
        postback = event.postback
        # Old postbacks carry no mid: the sender and millisecond timestamp identify them.
        mid = postback.mid or f"postback:{sender}:{event.timestamp}"
        return InboundMessage(
            channel=Channel.messenger,
            external_id=sender,
            action=postback.payload,
            text=postback.title,
            platform_message_id=mid,
            account_id=page,
            sent_at=sent_at,
        )
    message = event.message
    if message is None or message.is_echo or message.mid is None:
        return None
    text = message.text if message.text and message.text.strip() else None
    action = message.quick_reply.payload if message.quick_reply else None
    unsupported = None
    if text is None and action is None:
        unsupported = message.attachments[0].type if message.attachments else "unknown"
    return InboundMessage(
        channel=Channel.messenger,
        external_id=sender,
        text=text,
        action=action,
        unsupported_type=unsupported,
        platform_message_id=message.mid,
        account_id=page,
        sent_at=sent_at,
    )


def parse_messenger(body: bytes) -> WebhookEvents:
    """Every customer message and postback in the POST, in order; 400 if it is not Messenger's."""
    try:
        webhook = MessengerWebhook.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidPayload("body is not a Messenger webhook payload") from exc
    if webhook.object != OBJECT:
        raise InvalidPayload(f"unexpected object {webhook.object!r}, expected {OBJECT!r}")
    events = WebhookEvents()
    for entry in webhook.entry:
        for event in entry.messaging:
            inbound = _inbound(event, entry.id)
            if inbound is None:
                events.ignored += 1
            else:
                events.messages.append(inbound)
    return events
