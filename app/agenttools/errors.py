"""Agent tools' errors, each with its HTTP status and code."""

from __future__ import annotations

from app.errors import Conflict, Forbidden, NotFound


class CannedNotFound(NotFound):
    code = "canned_response_not_found"


class ShortcutTaken(Conflict):
    code = "shortcut_taken"


class NotYourCanned(Forbidden):
    code = "not_owner"


class ConversationNotFound(NotFound):
    code = "conversation_not_found"
