"""The queue's query parameters for teams (``?team=``, ``?mine=``) as a ``QueueView``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.auth import Principal
from app.errors import ValidationFailed
from app.security_params import MAX_DB_ID
from app.teams.queues import NO_TEAM, QueueView

TeamQuery = Annotated[
    str | None,
    Query(
        max_length=20,
        pattern=r"^(\d{1,19}|none)$",
        description="a team id, or `none` for handoffs without a team",
    ),
]


def queue_view(principal: Principal, *, team: str | None, mine: bool) -> QueueView:
    """Agents see their teams' handoffs first; supervisors see every team alike."""
    team_id = None
    if team == "none":
        team_id = NO_TEAM
    elif team is not None:
        team_id = int(team)
        if not 1 <= team_id <= MAX_DB_ID:
            raise ValidationFailed("team must be a team id or none")
    if mine and principal.agent_id is None:
        raise ValidationFailed("mine=true needs an agent's token (the admin token holds none)")
    return QueueView(
        team_id=team_id,
        agent_id=principal.agent_id if mine else None,
        reader_agent_id=None if principal.is_supervisor else principal.agent_id,
    )
