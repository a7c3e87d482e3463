"""How one reader sees the handoff queue: a team's queue, an agent's handoffs, and the
reader's own teams first (agents), while supervisors see every team alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, select

from app.escalation.models import Handoff
from app.teams.models import TeamMember

# `?team=none`: handoffs no team was found for.
NO_TEAM = 0


@dataclass(frozen=True)
class QueueView:
    team_id: int | None = None  # NO_TEAM for the handoffs without a team
    agent_id: int | None = None  # only this agent's handoffs
    reader_agent_id: int | None = None  # whose teams come first (None: nobody's)

    def narrow(self, statement: Select[Any]) -> Select[Any]:
        if self.team_id == NO_TEAM:
            statement = statement.where(Handoff.team_id.is_(None))
        elif self.team_id is not None:
            statement = statement.where(Handoff.team_id == self.team_id)
        if self.agent_id is not None:
            statement = statement.where(Handoff.agent_id == self.agent_id)
        return statement

    def first(self) -> tuple[Any, ...]:
        if self.reader_agent_id is None:
            return ()
        mine = select(TeamMember.team_id).where(TeamMember.agent_id == self.reader_agent_id)
        return (case((Handoff.team_id.in_(mine), 0), else_=1),)
