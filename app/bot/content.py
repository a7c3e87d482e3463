"""How the bot treats what is not typed words (issue 20), as pure decisions.

- A caption is the customer's text: the engine answers it like typed words.
- An order or a finished form needs a person: a handoff opens (reasons ``order``, ``form``).
- A voice note, video or document without words: most such customers want a person, so the
  reply offers the escalate button at once (no miss counted).
- A photo, sticker, location, contact card or unknown kind without words counts as a miss,
  like an unanswered question: the customer reaches a person after
  ``ROUTER_REPEATED_MISS_LIMIT`` of them, and is asked to type meanwhile.
"""

from __future__ import annotations

from app.bot import templates
from app.bot.types import ESCALATE, InboundMessage, Reply
from app.types import EscalationReason, MessageKind

NEEDS_PERSON = {
    MessageKind.order.value: EscalationReason.order,
    MessageKind.form.value: EscalationReason.form,
}
OFFER_PERSON = frozenset({MessageKind.audio, MessageKind.video, MessageKind.document})
# Set on a conversation a person answers from outside (Page inbox, WhatsApp Business app):
# the bot stays silent and the conversation closes after the idle timeout.
EXTERNAL_AGENT = "external_agent"


def effective_kind(inbound: InboundMessage) -> str:
    """The message's kind; inbox rows stored before kinds existed only said "unsupported"."""
    if inbound.kind == MessageKind.text and inbound.unsupported_type:
        return MessageKind.other.value
    return str(inbound.kind)


def wordless_reply(kind: str, lang: str) -> Reply:
    """What the bot says to content without words (a miss or an offer of a person)."""
    escalate = (templates.button(ESCALATE, lang),)
    if kind == MessageKind.other:
        return Reply(templates.text("unsupported", lang), buttons=escalate)
    key = "media_offer_person" if kind in OFFER_PERSON else "media_please_type"
    return Reply(templates.text(key, lang, what=templates.kind_word(kind, lang)), buttons=escalate)
