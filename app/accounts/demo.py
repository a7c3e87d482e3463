"""The demo's admin account: created on first start, a new random password every run (shown
beside the admin token), so a demo database never keeps a password anyone could know."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from app.accounts.passwords import hash_password_async
from app.accounts.service import create_account
from app.accounts.sessions import end_all_sessions
from app.config import Settings
from app.db import create_engine, create_sessionmaker, utcnow
from app.escalation.models import Agent

DEMO_ADMIN_EMAIL = "admin@demo.example"


async def ensure_demo_admin(settings: Settings) -> tuple[str, str]:
    """The demo admin's e-mail and this run's password."""
    password = secrets.token_urlsafe(12)
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            agent = await session.scalar(select(Agent).where(Agent.email == DEMO_ADMIN_EMAIL))
            if agent is None:
                await create_account(
                    session,
                    name="Admin Demo",
                    email=DEMO_ADMIN_EMAIL,
                    role="admin",
                    actor="demo",
                    now=utcnow(),
                    password=password,
                )
            else:
                agent.password_hash = await hash_password_async(password)
                agent.active, agent.role = True, "admin"
                await end_all_sessions(session, agent.id)
    finally:
        await engine.dispose()
    return DEMO_ADMIN_EMAIL, password
