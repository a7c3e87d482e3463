"""The demo's team and service level, so a newcomer sees routing and SLA countdowns from the
first handoff: a payments team (the demo admin in it) and a 15-minute first-response policy
in business hours. Created only while the demo database has no team and no policy, so a demo
someone reconfigured keeps their settings."""

from __future__ import annotations

from sqlalchemy import func, select

from app.config import Settings
from app.db import create_engine, create_sessionmaker, utcnow
from app.escalation.models import Agent
from app.sla.models import SlaPolicy
from app.sla.policies import create_policy
from app.sla.schemas import PolicyIn
from app.teams.models import Team
from app.teams.schemas import TeamIn
from app.teams.service import create_team

DEMO_TEAM = TeamIn(name="Pembayaran & Pengembalian", categories=["Pembayaran", "Pengembalian"])
DEMO_POLICY = PolicyIn(
    name="Standar",
    first_response_s=15 * 60,
    next_response_s=30 * 60,
    resolution_s=8 * 3600,
    business_hours=True,
)


async def ensure_demo_workday(settings: Settings, admin_email: str) -> None:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            now = utcnow()
            if not await session.scalar(select(func.count()).select_from(Team)):
                admin = await session.scalar(select(Agent.id).where(Agent.email == admin_email))
                members = [admin] if admin is not None else []
                await create_team(
                    session, DEMO_TEAM.model_copy(update={"members": members}), now=now
                )
            if not await session.scalar(select(func.count()).select_from(SlaPolicy)):
                await create_policy(session, DEMO_POLICY, now=now)
    finally:
        await engine.dispose()
