"""Handoff queue errors, each with its HTTP status and contract code."""

from __future__ import annotations

from app.errors import Conflict, Forbidden, NotFound


class HandoffNotFound(NotFound):
    code = "handoff_not_found"


class AgentNotFound(NotFound):
    code = "agent_not_found"


class HandoffAlreadyClaimed(Conflict):
    code = "already_claimed"


class HandoffClosed(Conflict):
    """Resolved or cancelled: nothing more can happen to it."""

    code = "handoff_closed"


class HandoffNotClaimed(Conflict):
    code = "not_claimed"


class ReplyWindowClosed(Conflict):
    code = "window_closed"


class NotClaimHolder(Forbidden):
    code = "not_claim_holder"
