"""What a Messenger or Instagram message carries, as the fields of an InboundMessage.

Attachments: ``image`` (a sticker when it has a ``sticker_id``), ``video``, ``audio``,
``file`` (a document), ``location``; anything else (``fallback`` links, shares, reels, story
mentions, templates, new types) is ``other``. Text sent with an attachment is its caption.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from app.types import MessageKind

ATTACHMENT_KINDS = {
    "image": MessageKind.image,
    "video": MessageKind.video,
    "audio": MessageKind.audio,
    "file": MessageKind.document,
    "location": MessageKind.location,
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Coordinates(_Model):
    lat: float | None = None
    long: float | None = None


class AttachmentPayload(_Model):
    url: str | None = None
    title: str | None = None
    sticker_id: int | str | None = None
    coordinates: Coordinates | None = None


class Attachment(_Model):
    type: str = "file"
    title: str | None = None
    url: str | None = None
    payload: AttachmentPayload | None = None


def attachment_fields(
    attachments: list[Attachment], *, text: str | None, sticker_id: object
) -> dict[str, Any]:
    """The content fields for a message's first attachment (the others are rare: Messenger
    sends an album as one event per image)."""
    first = attachments[0]
    payload = first.payload or AttachmentPayload()
    kind = ATTACHMENT_KINDS.get(first.type, MessageKind.other)
    if kind == MessageKind.image and (sticker_id is not None or payload.sticker_id is not None):
        kind = MessageKind.sticker
    fields: dict[str, Any] = {"kind": kind, "caption": text}
    if kind == MessageKind.other:
        fields["unsupported_type"] = first.type[:64]
    if kind == MessageKind.location:
        coordinates = payload.coordinates or Coordinates()
        fields.update(
            latitude=coordinates.lat,
            longitude=coordinates.long,
            location_name=payload.title or first.title,
        )
    else:
        url = payload.url or first.url
        # Only web URLs (Meta sends https CDN links): nothing else is ever fetched.
        fields["media_url"] = url if url and url.startswith(("https://", "http://")) else None
    return fields
