"""One transcript item, the same everywhere a transcript is shown (DESIGN.md round 2).

``transcript_item(message)`` is the single serialiser of a stored message for agents and ops:
the handoff detail, the agent workspace's message feed and the conversations API all use it,
so ``kind``, ``caption``, ``media`` and ``location`` read the same in each.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from app.conversations.models import Message


class MediaRef(BaseModel):
    """A media message's file; ``GET /api/v1/media/{message id}`` streams it."""

    id: str | None  # the platform's media id (WhatsApp); None for attachment URLs
    mime_type: str | None
    filename: str | None


class Location(BaseModel):
    latitude: float | None
    longitude: float | None
    name: str | None
    address: str | None


class TranscriptItem(BaseModel):
    id: int
    direction: str
    sender: str
    text: str | None  # a caption is here too, so readers of `text` see the customer's words
    action: str | None
    buttons: list[dict[str, Any]] | None
    article_slug: str | None
    delivery_status: str | None
    created_at: datetime
    kind: str
    caption: str | None
    media: MediaRef | None
    location: Location | None
    # The served article's link (from the KB index), filled by the API that shows it.
    article_url: str | None = None


def media_ref(message: Message) -> MediaRef | None:
    if message.media_id is None and message.media_url is None:
        return None
    return MediaRef(
        id=message.media_id, mime_type=message.media_mime_type, filename=message.media_filename
    )


def location_of(message: Message) -> Location | None:
    if message.latitude is None and message.longitude is None and message.location_name is None:
        return None
    return Location(
        latitude=message.latitude,
        longitude=message.longitude,
        name=message.location_name,
        address=message.location_address,
    )


def transcript_item(message: Message) -> TranscriptItem:
    """A stored message as a transcript item."""
    return TranscriptItem(
        id=message.id,
        direction=message.direction,
        sender=message.sender,
        text=message.text,
        action=message.action,
        buttons=message.buttons,
        article_slug=message.article_slug,
        delivery_status=message.delivery_status,
        created_at=message.created_at,
        kind=message.kind or "text",
        caption=message.caption,
        media=media_ref(message),
        location=location_of(message),
    )
