"""What flows through the engine, whatever the channel: inbound messages and bot replies."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from app.types import Channel

# Button ids from the public contract.
HELPFUL_YES = "helpful_yes"
HELPFUL_NO = "helpful_no"
ESCALATE = "escalate"
ARTICLE_PREFIX = "article:"


@dataclass(frozen=True)
class Button:
    id: str
    title: str


@dataclass(frozen=True)
class Reply:
    """One bot/agent/system message, channel-neutral; channels render it within their limits."""

    text: str
    buttons: tuple[Button, ...] = ()
    article: str | None = None  # slug of the article this reply serves
    url: str | None = None  # the article's link (already in `text`; kept for rich renderers)


@dataclass(frozen=True)
class InboundMessage:
    """A customer message as every channel adapter hands it to the engine."""

    channel: Channel
    external_id: str  # wa_id, Messenger PSID, or the web chat session's public id
    text: str | None = None
    action: str | None = None  # a pressed button's id
    platform_message_id: str | None = None  # wamid / mid; the dedupe key
    account_id: str | None = None  # WhatsApp phone_number_id or Messenger page id
    display_name: str | None = None
    sent_at: datetime | None = None
    unsupported_type: str | None = None  # kept for inbox rows stored before `kind` existed
    # What was sent (app.types.MessageKind) and its content; a caption is in `text` too.
    kind: str = "text"
    caption: str | None = None
    media_id: str | None = None  # WhatsApp media id (fetched through the Graph API)
    media_url: str | None = None  # Messenger / Instagram attachment URL
    media_mime_type: str | None = None
    media_filename: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_name: str | None = None
    location_address: str | None = None
    # Sent to the customer by a person from another app (Page inbox, WhatsApp Business app):
    # `external_id` is still the customer's.
    echo: bool = False

    def without_nul(self) -> InboundMessage:
        """PostgreSQL cannot store NUL in text, and platforms relay whatever the customer's
        app sent; refusing the webhook would only make Meta re-send it forever."""

        def clean(value: str | None) -> str | None:
            return value.replace("\x00", "") if value else value

        return replace(
            self,
            text=clean(self.text),
            caption=clean(self.caption),
            media_id=clean(self.media_id),
            media_url=clean(self.media_url),
            media_mime_type=clean(self.media_mime_type),
            media_filename=clean(self.media_filename),
            location_name=clean(self.location_name),
            location_address=clean(self.location_address),
            action=clean(self.action),
            display_name=clean(self.display_name),
            platform_message_id=clean(self.platform_message_id),
        )


@dataclass
class InboundResult:
    duplicate: bool = False
    conversation_id: int | None = None
    conversation_status: str | None = None
    replies: list[Reply] = field(default_factory=list)
