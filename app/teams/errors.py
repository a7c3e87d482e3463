"""Team, routing and presence errors, each with its HTTP status and code."""

from __future__ import annotations

from app.errors import Conflict, NotFound, ValidationFailed


class TeamNotFound(NotFound):
    code = "team_not_found"


class TeamNameTaken(Conflict):
    code = "team_name_taken"


class UnknownTeam(ValidationFailed):
    """A request body names a team that does not exist (nothing was changed)."""

    code = "unknown_team"


class UnknownAgent(ValidationFailed):
    """A request body names an agent that does not exist or is deactivated."""

    code = "unknown_agent"


class AgentAtCapacity(Conflict):
    code = "agent_at_capacity"


class NotAnAgent(Conflict):
    """The admin token is not a person: it has no presence and holds no handoffs."""

    code = "not_an_agent"
