"""WhatsApp Cloud API webhook body -> InboundMessages and status updates.

The models only declare what we read and ignore everything else, so new Meta fields never
break intake; ``type`` is an open string because Meta keeps adding message types.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.bot.types import InboundMessage
from app.channels.events import (
    AccountId,
    CustomerId,
    InvalidPayload,
    MessageId,
    StatusName,
    StatusUpdate,
    WebhookEvents,
    epoch_to_utc,
)
from app.channels.whatsapp_content import (
    ContactCard,
    Interactive,
    Location,
    Media,
    Order,
    TemplateButton,
    Text,
    content_fields,
)
from app.types import Channel

OBJECT = "whatsapp_business_account"
ECHOES = "smb_message_echoes"
# Notices that are not a customer talking to us: no reply, not even "please type".
IGNORED_TYPES = frozenset({"system", "reaction", "request_welcome", "edit", "revoke", "ephemeral"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class WaMessage(_Model):
    sender: CustomerId = Field(alias="from")
    id: MessageId
    timestamp: str | None = None
    type: str
    text: Text | None = None
    interactive: Interactive | None = None
    button: TemplateButton | None = None
    image: Media | None = None
    audio: Media | None = None
    video: Media | None = None
    document: Media | None = None
    sticker: Media | None = None
    location: Location | None = None
    order: Order | None = None
    contacts: list[ContactCard] = []


class WaEcho(WaMessage):
    """A message the business sent from the WhatsApp Business app (``smb_message_echoes``)."""

    to: CustomerId


class Profile(_Model):
    name: str | None = None


class WaContact(_Model):
    wa_id: CustomerId | None = None
    profile: Profile | None = None


class StatusError(_Model):
    code: int | None = None
    title: str | None = None
    message: str | None = None
    error_data: dict[str, object] | None = None


class WaStatus(_Model):
    id: MessageId
    status: StatusName
    errors: list[StatusError] = []


class Metadata(_Model):
    phone_number_id: AccountId | None = None


class Value(_Model):
    metadata: Metadata | None = None
    contacts: list[WaContact] = []
    messages: list[WaMessage] = []
    message_echoes: list[WaEcho] = []
    statuses: list[WaStatus] = []


class Change(_Model):
    field: str = "messages"
    value: Value


class Entry(_Model):
    id: str | None = None
    changes: list[Change] = []


class WhatsAppWebhook(_Model):
    object: str
    entry: list[Entry]


def _sent_at(timestamp: str | None) -> datetime | None:
    # WhatsApp sends epoch seconds as a string.
    try:
        return epoch_to_utc(int(timestamp or ""))
    except ValueError:
        return None


def _error_text(errors: list[StatusError]) -> str | None:
    if not errors:
        return None
    first = errors[0]
    details = (first.error_data or {}).get("details")
    parts = [str(first.code or "error"), first.title or first.message or ""]
    text = " ".join(p for p in parts if p)
    return f"{text}: {details}" if details else text


def _inbound(message: WaMessage, names: dict[str, str], account: str | None) -> InboundMessage:
    return InboundMessage(
        channel=Channel.whatsapp,
        external_id=message.sender,
        **content_fields(message),
        platform_message_id=message.id,
        account_id=account,
        # `from` and `wa_id` usually agree; when not, the single contact is still the sender.
        display_name=names.get(message.sender) or next(iter(names.values()), None),
        sent_at=_sent_at(message.timestamp),
    )


def _echo(echo: WaEcho, account: str | None) -> InboundMessage:
    """The business answered from the WhatsApp Business app on the same number: a person
    took over this customer's conversation."""
    return InboundMessage(
        channel=Channel.whatsapp,
        external_id=echo.to,
        **content_fields(echo),
        platform_message_id=echo.id,
        account_id=account,
        sent_at=_sent_at(echo.timestamp),
        echo=True,
    )


def parse_whatsapp(body: bytes) -> WebhookEvents:
    """Every message and status in the POST, in payload order; 400 if it is not WhatsApp's."""
    try:
        webhook = WhatsAppWebhook.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidPayload("body is not a WhatsApp webhook payload") from exc
    if webhook.object != OBJECT:
        raise InvalidPayload(f"unexpected object {webhook.object!r}, expected {OBJECT!r}")
    events = WebhookEvents()
    for entry in webhook.entry:
        for change in entry.changes:
            value = change.value
            account = value.metadata.phone_number_id if value.metadata else None
            if change.field == ECHOES:
                for echo in value.message_echoes:
                    if echo.type in IGNORED_TYPES:  # edits and deletions of its own messages
                        events.ignored += 1
                    else:
                        events.messages.append(_echo(echo, account))
                continue
            if change.field != "messages":
                events.ignored += 1
                continue
            names = {
                c.wa_id: c.profile.name
                for c in value.contacts
                if c.wa_id and c.profile and c.profile.name
            }
            for message in value.messages:
                if message.type in IGNORED_TYPES:
                    events.ignored += 1
                    continue
                events.messages.append(_inbound(message, names, account))
            for status in value.statuses:
                events.statuses.append(
                    StatusUpdate(status.id, status.status, _error_text(status.errors))
                )
    return events
