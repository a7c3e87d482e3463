"""``router agents create NAME``: issue an agent token from the command line."""

from __future__ import annotations

import sys

from app.config import Settings
from app.db import create_engine, create_sessionmaker, utcnow
from app.escalation.agents import create_agent


async def create_agent_and_print(settings: Settings, name: str) -> None:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            agent, token = await create_agent(session, name=name, now=utcnow())
    finally:
        await engine.dispose()
    # The token goes to stdout alone so scripts can capture it; it is never shown again.
    print(f"agent {agent.id} ({agent.name}) created; token (shown once):", file=sys.stderr)
    print(token)
