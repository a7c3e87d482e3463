"""Reply -> Chatwoot API calls for the outbox: a message in the customer's conversation,
buttons as an ``input_select`` (each item's ``value`` is our button id, which comes back in
``submitted_values`` when pressed)."""

from __future__ import annotations

from typing import Any

from app.bot.types import Reply
from app.channels.chatwoot_inbound import conversation_path
from app.channels.text import unique_labels

# Chatwoot passes an input_select on to the inbox's channel: on WhatsApp its items become
# reply buttons (20 characters), so the labels are fitted to that everywhere.
ITEM_TITLE_LIMIT = 20


def render_chatwoot(external_id: str, reply: Reply) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"content": reply.text, "message_type": "outgoing", "private": False}
    if reply.buttons:
        titles = unique_labels((b.title for b in reply.buttons), ITEM_TITLE_LIMIT)
        body["content_type"] = "input_select"
        body["content_attributes"] = {
            "items": [
                {"title": title, "value": b.id}
                for b, title in zip(reply.buttons, titles, strict=True)
            ]
        }
    return [{"path": f"{conversation_path(external_id)}/messages", "body": body}]


def hand_over_call(external_id: str) -> dict[str, Any]:
    """Give the conversation to Chatwoot's agents: ``pending`` (the bot's) becomes ``open``."""
    return {"path": f"{conversation_path(external_id)}/toggle_status", "body": {"status": "open"}}
