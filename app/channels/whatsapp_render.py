"""Reply -> WhatsApp Cloud API message payloads, within the platform's limits.

Up to three plain buttons become reply buttons; article suggestions (or more than three
buttons) become a list message, whose rows have room for the article's question. A body too
long for an interactive message is sent first as plain text, split at word boundaries.
"""

from __future__ import annotations

from typing import Any

from app.bot.types import ARTICLE_PREFIX, ESCALATE, Button, Reply
from app.channels.text import fit_label, split_text, split_with_tail, unique_labels

TEXT_LIMIT = 4096
INTERACTIVE_BODY_LIMIT = 1024  # reply buttons; also the conservative list-body limit
MAX_BUTTONS = 3
BUTTON_TITLE_LIMIT = 20
MAX_LIST_ROWS = 10
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
SECTION_TITLE_LIMIT = 24
LIST_BUTTON_LIMIT = 20
LIST_BUTTON_LABEL = "Lihat pilihan"
LIST_SECTION_TITLE = "Pilihan"


def _envelope(recipient: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": recipient,
        **body,
    }


def text_message(recipient: str, text: str) -> dict[str, Any]:
    return _envelope(recipient, {"type": "text", "text": {"preview_url": False, "body": text}})


def _buttons_interactive(body: str, buttons: list[Button]) -> dict[str, Any]:
    titles = unique_labels((b.title for b in buttons), BUTTON_TITLE_LIMIT)
    return {
        "type": "button",
        "body": {"text": body},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": b.id, "title": title}}
                for b, title in zip(buttons, titles, strict=True)
            ]
        },
    }


def _list_rows(buttons: list[Button]) -> list[Button]:
    if len(buttons) <= MAX_LIST_ROWS:
        return buttons
    # Keep "escalate" reachable when there are too many suggestions to show.
    keep = [b for b in buttons if b.id == ESCALATE][:1]
    others = [b for b in buttons if b not in keep]
    return others[: MAX_LIST_ROWS - len(keep)] + keep


def _list_interactive(body: str, buttons: list[Button]) -> dict[str, Any]:
    shown = _list_rows(buttons)
    titles = unique_labels((b.title for b in shown), ROW_TITLE_LIMIT)
    rows: list[dict[str, Any]] = []
    for button, title in zip(shown, titles, strict=True):
        row: dict[str, Any] = {"id": button.id, "title": title}
        if title != " ".join(button.title.split()):
            # The row title was shortened: the full question goes in the description.
            row["description"] = fit_label(button.title, ROW_DESCRIPTION_LIMIT)
        rows.append(row)
    return {
        "type": "list",
        "body": {"text": body},
        "action": {
            "button": fit_label(LIST_BUTTON_LABEL, LIST_BUTTON_LIMIT),
            "sections": [
                {"title": fit_label(LIST_SECTION_TITLE, SECTION_TITLE_LIMIT), "rows": rows}
            ],
        },
    }


def _wants_list(buttons: list[Button]) -> bool:
    return len(buttons) > MAX_BUTTONS or any(b.id.startswith(ARTICLE_PREFIX) for b in buttons)


def _is_scale(buttons: list[Button]) -> bool:
    """A survey scale longer than a list holds (NPS: 11 answers): nothing may be dropped."""
    return len(buttons) > MAX_LIST_ROWS and not any(
        b.id == ESCALATE or b.id.startswith(ARTICLE_PREFIX) for b in buttons
    )


def _scale_lists(recipient: str, body: str, buttons: list[Button]) -> list[dict[str, Any]]:
    """Consecutive lists of near-equal size (NPS: 10..5, then 4..0), the question on the
    first, the range of answers on the others, so every answer stays one tap."""
    parts = -(-len(buttons) // MAX_LIST_ROWS)
    size = -(-len(buttons) // parts)
    chunks = [buttons[i : i + size] for i in range(0, len(buttons), size)]
    return [
        _envelope(
            recipient,
            {
                "type": "interactive",
                "interactive": _list_interactive(
                    body if n == 0 else f"{chunk[0].title} - {chunk[-1].title}", chunk
                ),
            },
        )
        for n, chunk in enumerate(chunks)
    ]


def render_whatsapp(recipient: str, reply: Reply) -> list[dict[str, Any]]:
    """The payloads (in sending order) for one reply to ``recipient`` (a wa_id)."""
    buttons = list(reply.buttons)
    if not buttons:
        return [text_message(recipient, piece) for piece in split_text(reply.text, TEXT_LIMIT)]
    head, tail = split_with_tail(reply.text, tail_limit=INTERACTIVE_BODY_LIMIT, limit=TEXT_LIMIT)
    payloads = [text_message(recipient, piece) for piece in head]
    # An interactive body may not be empty.
    body = tail or "-"
    if _is_scale(buttons):
        return payloads + _scale_lists(recipient, body, buttons)
    if _wants_list(buttons):
        interactive = _list_interactive(body, buttons)
    else:
        interactive = _buttons_interactive(body, buttons)
    payloads.append(_envelope(recipient, {"type": "interactive", "interactive": interactive}))
    return payloads
