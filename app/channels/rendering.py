"""Reply -> platform JSON payloads. Placeholder: plain text only, see app/channels/whatsapp
and app/channels/messenger for the real renderers once they exist."""

from __future__ import annotations

from typing import Any

from app.bot.types import Reply
from app.types import Channel


def render_reply(channel: Channel, recipient: str, reply: Reply) -> list[dict[str, Any]]:
    if channel == Channel.whatsapp:
        return [
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": recipient,
                "type": "text",
                "text": {"preview_url": False, "body": reply.text},
            }
        ]
    if channel == Channel.messenger:
        return [
            {
                "recipient": {"id": recipient},
                "messaging_type": "RESPONSE",
                "message": {"text": reply.text},
            }
        ]
    return []
