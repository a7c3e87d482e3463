"""The outcome of a conversation that went quiet (the definitions in DESIGN.md, as code)."""

from __future__ import annotations

from app.conversations.models import Conversation
from app.types import OutcomeKind


def timeout_outcome(conversation: Conversation) -> OutcomeKind:
    """deflected_assumed when the bot's last substantive reply was a KB answer the customer did
    not reject; unresolved when they asked something the bot could not answer; otherwise the
    conversation held no request (greetings, thanks) and stays out of the rate."""
    if conversation.last_bot_action == "answer" and conversation.feedback != "not_helpful":
        return OutcomeKind.deflected_assumed
    if conversation.had_request:
        return OutcomeKind.unresolved
    return OutcomeKind.no_request
