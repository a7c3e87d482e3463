"""What a WhatsApp message carries, as the fields of an InboundMessage.

Every type Meta documents is read into a kind (``app.types.MessageKind``) and its content;
a caption is also the message's text, so the bot answers it like typed words. Types we do not
know (``unsupported``, ``unknown``, anything new) become ``other``: answered politely, never
dropped.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict

from app.types import MessageKind

# Kinds whose payload object has the same name and the media fields below.
MEDIA_TYPES = {
    "image": MessageKind.image,
    "audio": MessageKind.audio,
    "video": MessageKind.video,
    "document": MessageKind.document,
    "sticker": MessageKind.sticker,
}
# What an agent needs of a form's answers fits in a caption; the rest stays on the platform.
FORM_TEXT_LIMIT = 2000


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Text(_Model):
    body: str = ""


class ReplyChoice(_Model):
    id: str
    title: str = ""


class FormReply(_Model):
    name: str | None = None
    body: str | None = None
    response_json: str | None = None


class Interactive(_Model):
    type: str
    button_reply: ReplyChoice | None = None
    list_reply: ReplyChoice | None = None
    nfm_reply: FormReply | None = None


class TemplateButton(_Model):
    payload: str | None = None
    text: str | None = None


class Media(_Model):
    id: str | None = None
    mime_type: str | None = None
    caption: str | None = None
    filename: str | None = None
    url: str | None = None


class Location(_Model):
    latitude: float | None = None
    longitude: float | None = None
    name: str | None = None
    address: str | None = None


class OrderItem(_Model):
    product_retailer_id: str | None = None
    quantity: float | None = None
    item_price: float | None = None
    currency: str | None = None


class Order(_Model):
    catalog_id: str | None = None
    text: str | None = None
    product_items: list[OrderItem] = []


class ContactName(_Model):
    formatted_name: str | None = None


class ContactPhone(_Model):
    phone: str | None = None


class ContactCard(_Model):
    name: ContactName | None = None
    phones: list[ContactPhone] = []


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else str(value)


def order_summary(order: Order) -> str:
    """``3 x HAMBURGER @ 30 ILS; ...``: what the agent needs to see of the order."""
    parts = [
        f"{_number(i.quantity)} x {i.product_retailer_id or '?'}"
        + (f" @ {_number(i.item_price)} {i.currency or ''}".rstrip() if i.item_price else "")
        for i in order.product_items
    ]
    return "; ".join(parts) or "(empty order)"


def form_summary(form: FormReply) -> str:
    """The form's answers as ``field: value`` lines (the flow token left out)."""
    try:
        answers: Any = json.loads(form.response_json or "{}")
    except ValueError:
        return (form.response_json or "")[:FORM_TEXT_LIMIT]
    if not isinstance(answers, dict):
        return str(answers)[:FORM_TEXT_LIMIT]
    lines = [f"{k}: {v}" for k, v in answers.items() if k != "flow_token"]
    return "\n".join(lines)[:FORM_TEXT_LIMIT] or (form.body or "")


def contacts_summary(cards: list[ContactCard]) -> str:
    parts = []
    for card in cards:
        name = card.name.formatted_name if card.name else None
        phones = ", ".join(p.phone for p in card.phones if p.phone)
        parts.append(" ".join(x for x in (name, phones) if x))
    return "; ".join(p for p in parts if p)


def content_fields(message: Any) -> dict[str, Any]:
    """The InboundMessage fields (text, action, kind, caption, media, location) of one
    WhatsApp message model (``WaMessage``)."""
    kind: str = message.type
    if kind == "text" and message.text is not None and message.text.body.strip():
        return {"text": message.text.body}
    if kind == "interactive" and message.interactive is not None:
        interactive = message.interactive
        choice = interactive.button_reply or interactive.list_reply
        if choice is not None:
            return {"action": choice.id, "text": choice.title or None}
        if interactive.type == "nfm_reply" and interactive.nfm_reply is not None:
            return {"kind": MessageKind.form, "caption": form_summary(interactive.nfm_reply)}
    if kind == "button" and message.button is not None and message.button.payload:
        return {"action": message.button.payload, "text": message.button.text}
    if kind in MEDIA_TYPES:
        media: Media | None = getattr(message, kind)
        if media is not None:
            caption = _clean(media.caption)
            return {
                "kind": MEDIA_TYPES[kind],
                "text": caption,
                "caption": caption,
                "media_id": media.id,
                "media_url": media.url if media.id is None else None,
                "media_mime_type": media.mime_type,
                "media_filename": media.filename,
            }
    if kind == "location" and message.location is not None:
        place = message.location
        return {
            "kind": MessageKind.location,
            "latitude": place.latitude,
            "longitude": place.longitude,
            "location_name": _clean(place.name),
            "location_address": _clean(place.address),
        }
    if kind == "order" and message.order is not None:
        return {
            "kind": MessageKind.order,
            "text": _clean(message.order.text),
            "caption": order_summary(message.order),
        }
    if kind == "contacts" and message.contacts:
        return {"kind": MessageKind.contacts, "caption": contacts_summary(message.contacts)}
    return {"kind": MessageKind.other, "unsupported_type": kind[:64]}
