"""Messenger Platform and Instagram Messaging webhook bodies -> InboundMessages.

Both products send the same envelope (``object`` ``page`` or ``instagram``). Receipts,
reactions, standby events (another app owns the thread) and the bot's own echoes are
ignored; an echo sent by another app (a person answering from the Page inbox or the
Instagram app) is kept as a takeover (``InboundMessage.echo``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from app.bot.types import InboundMessage
from app.channels.events import AccountId, InvalidPayload, MessageId, WebhookEvents, epoch_to_utc
from app.channels.messenger_content import Attachment, attachment_fields
from app.types import Channel, MessageKind

OBJECT = "page"
OBJECTS = {"page": Channel.messenger, "instagram": Channel.instagram}
# Meta's Page inbox (Business Suite) app: its echoes are a person answering.
PAGE_INBOX_APP_ID = "263902037430900"
# Chat-plugin visitors have no PSID; stored as this prefix + their user_ref.
USER_REF_PREFIX = "user_ref:"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Party(_Model):
    id: AccountId | None = None  # a page id or a PSID
    user_ref: AccountId | None = None  # a chat-plugin visitor


class QuickReply(_Model):
    payload: str | None = None


class MsMessage(_Model):
    mid: MessageId | None = None
    text: str | None = None
    is_echo: bool = False
    app_id: int | str | None = None
    is_deleted: bool = False  # Instagram unsend
    quick_reply: QuickReply | None = None
    attachments: list[Attachment] = []
    sticker_id: int | str | None = None


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


def _is_own_echo(message: MsMessage, own_app_ids: frozenset[str]) -> bool:
    """Whether an echo is of the bot's own send. With our app id configured, any other app
    is a person; without it, only the Page inbox is known to be one."""
    app_id = str(message.app_id) if message.app_id is not None else None
    if own_app_ids:
        return app_id in own_app_ids
    return app_id != PAGE_INBOX_APP_ID


def _customer(party: Party | None) -> str | None:
    if party is None:
        return None
    if party.id is not None:
        return party.id
    return f"{USER_REF_PREFIX}{party.user_ref}" if party.user_ref else None


def _inbound(
    event: Event, page_id: str | None, channel: Channel, own_app_ids: frozenset[str]
) -> InboundMessage | None:
    message = event.message
    echo = message is not None and message.is_echo
    if echo:
        assert message is not None
        if _is_own_echo(message, own_app_ids):
            return None
        # The page sent it: the customer is the recipient.
        sender, page = _customer(event.recipient), _customer(event.sender) or page_id
    else:
        sender = _customer(event.sender)
        page = (event.recipient.id if event.recipient else None) or page_id
    if sender is None:
        return None
    sent_at = _sent_at(event.timestamp)
    if event.postback is not None and not echo:
        postback = event.postback
        # Old postbacks carry no mid: the sender and millisecond timestamp identify them.
        mid = postback.mid or f"postback:{sender}:{event.timestamp}"
        return InboundMessage(
            channel=channel,
            external_id=sender,
            action=postback.payload,
            text=postback.title,
            platform_message_id=mid,
            account_id=page,
            sent_at=sent_at,
        )
    if message is None or message.mid is None or message.is_deleted:
        return None
    text = message.text if message.text and message.text.strip() else None
    action = message.quick_reply.payload if message.quick_reply else None
    content: dict[str, Any] = {}
    if message.attachments and action is None:
        content = attachment_fields(message.attachments, text=text, sticker_id=message.sticker_id)
    elif text is None and action is None:
        content = {"kind": MessageKind.other, "unsupported_type": "unknown"}
    return InboundMessage(
        channel=channel,
        external_id=sender,
        text=text,
        action=action,
        platform_message_id=message.mid,
        account_id=page,
        sent_at=sent_at,
        echo=echo,
        **content,
    )


def channel_of(body: bytes) -> Channel | None:
    """Which product a Messenger-style body is from (``object``), None if neither."""
    try:
        webhook = _Envelope.model_validate_json(body)
    except ValidationError:
        return None
    return OBJECTS.get(webhook.object)


class _Envelope(_Model):
    object: str


def parse_messenger(
    body: bytes, *, channel: Channel = Channel.messenger, own_app_ids: frozenset[str] = frozenset()
) -> WebhookEvents:
    """Every customer message and postback in the POST, in order; 400 if it is not from
    ``channel`` (``page`` for Messenger, ``instagram`` for Instagram)."""
    expected = next(name for name, c in OBJECTS.items() if c == channel)
    try:
        webhook = MessengerWebhook.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidPayload(f"body is not a {channel.value} webhook payload") from exc
    if webhook.object != expected:
        raise InvalidPayload(f"unexpected object {webhook.object!r}, expected {expected!r}")
    events = WebhookEvents()
    for entry in webhook.entry:
        for event in entry.messaging:
            inbound = _inbound(event, entry.id, channel, own_app_ids)
            if inbound is None:
                events.ignored += 1
            else:
                events.messages.append(inbound)
    return events
