"""`router demo` seeds a team and an SLA policy once, so routing and SLA show from the first
handoff, and leaves a demo someone reconfigured alone."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.demo import ensure_demo_admin
from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.demo_workday import DEMO_TEAM, ensure_demo_workday
from app.sla.models import SlaPolicy
from app.teams.models import Team, TeamMember
from tests.conftest import make_settings


async def _counts(settings: Settings) -> tuple[int, int, int]:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            teams = await session.scalar(select(func.count()).select_from(Team))
            members = await session.scalar(select(func.count()).select_from(TeamMember))
            policies = await session.scalar(select(func.count()).select_from(SlaPolicy))
    finally:
        await engine.dispose()
    return teams or 0, members or 0, policies or 0


async def test_demo_seeds_one_team_and_policy_once(database_url: str) -> None:
    settings = make_settings(database_url)
    email, _ = await ensure_demo_admin(settings)
    await ensure_demo_workday(settings, email)
    await ensure_demo_workday(settings, email)  # a restart adds nothing
    assert await _counts(settings) == (1, 1, 1)


async def test_demo_keeps_a_reconfigured_workday(database_url: str) -> None:
    settings = make_settings(database_url)
    engine = create_engine(settings)
    async with create_sessionmaker(engine)() as session, session.begin():
        session.add(Team(name="Tim sendiri", categories=["akun"]))
    await engine.dispose()
    await ensure_demo_workday(settings, "admin@demo.example")
    teams, members, policies = await _counts(settings)
    assert (teams, members, policies) == (1, 0, 1)
    assert DEMO_TEAM.name != "Tim sendiri"
