"""Which surveys to ask (settings), found by any session like the SLA clock is."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.sla.clock import share_with_sessions

_KEY = "survey_plan"


@dataclass(frozen=True)
class SurveyPlan:
    after_agent: tuple[str, ...] = ("csat",)
    after_bot: tuple[str, ...] = ()
    nps_interval_days: int = 90

    @classmethod
    def from_settings(cls, settings: Settings) -> SurveyPlan:
        after_bot = () if settings.survey_after_bot == "none" else (settings.survey_after_bot,)
        return cls(settings.surveys_after_agent, after_bot, settings.nps_interval_days)


def configure(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    share_with_sessions(sessionmaker, _KEY, SurveyPlan.from_settings(settings))


def plan_of(session: AsyncSession) -> SurveyPlan:
    plan = session.info.get(_KEY)
    return plan if isinstance(plan, SurveyPlan) else SurveyPlan()
