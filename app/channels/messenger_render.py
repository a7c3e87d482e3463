"""Reply -> Messenger Send API payloads: text split under the limit, buttons as quick replies
attached to the last piece."""

from __future__ import annotations

from typing import Any

from app.bot.types import ESCALATE, Button, Reply
from app.channels.text import split_text, unique_labels

TEXT_LIMIT = 2000
# Instagram's Send API takes at most 1000 bytes of text: room for emoji and accents.
INSTAGRAM_TEXT_LIMIT = 900
USER_REF_PREFIX = "user_ref:"  # chat-plugin visitors (app.channels.messenger_inbound)
MAX_QUICK_REPLIES = 13
QUICK_REPLY_TITLE_LIMIT = 20


def _recipient(recipient: str) -> dict[str, str]:
    if recipient.startswith(USER_REF_PREFIX):
        return {"user_ref": recipient.removeprefix(USER_REF_PREFIX)}
    return {"id": recipient}


def _message(recipient: str, message: dict[str, Any]) -> dict[str, Any]:
    return {"recipient": _recipient(recipient), "messaging_type": "RESPONSE", "message": message}


def _shown(buttons: list[Button]) -> list[Button]:
    if len(buttons) <= MAX_QUICK_REPLIES:
        return buttons
    keep = [b for b in buttons if b.id == ESCALATE][:1]
    others = [b for b in buttons if b not in keep]
    return others[: MAX_QUICK_REPLIES - len(keep)] + keep


def render_messenger(
    recipient: str, reply: Reply, *, text_limit: int = TEXT_LIMIT
) -> list[dict[str, Any]]:
    """The payloads (in sending order) for one reply to ``recipient`` (a page-scoped id;
    Instagram's Send API takes the same shape with ``INSTAGRAM_TEXT_LIMIT``)."""
    pieces = split_text(reply.text, text_limit)
    payloads = [_message(recipient, {"text": piece}) for piece in pieces]
    buttons = _shown(list(reply.buttons))
    if buttons:
        titles = unique_labels((b.title for b in buttons), QUICK_REPLY_TITLE_LIMIT)
        payloads[-1]["message"]["quick_replies"] = [
            {"content_type": "text", "title": title, "payload": b.id}
            for b, title in zip(buttons, titles, strict=True)
        ]
    return payloads
