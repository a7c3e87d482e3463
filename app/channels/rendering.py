"""Reply -> platform JSON payloads for the outbox, one renderer per channel."""

from __future__ import annotations

from typing import Any

from app.bot.types import Reply
from app.channels.chatwoot_render import render_chatwoot
from app.channels.messenger_render import INSTAGRAM_TEXT_LIMIT, render_messenger
from app.channels.whatsapp_render import render_whatsapp
from app.types import Channel


def render_reply(channel: Channel, recipient: str, reply: Reply) -> list[dict[str, Any]]:
    """Payloads to send in order; web chat replies are read from the API, so none."""
    if channel == Channel.whatsapp:
        return render_whatsapp(recipient, reply)
    if channel == Channel.messenger:
        return render_messenger(recipient, reply)
    if channel == Channel.instagram:
        return render_messenger(recipient, reply, text_limit=INSTAGRAM_TEXT_LIMIT)
    if channel == Channel.chatwoot:
        return render_chatwoot(recipient, reply)
    return []
