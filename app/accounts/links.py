"""One-time password links: set up a new account's password, or reset a forgotten one.

The link's token is random and shown once; only its SHA-256 is stored. Using it is one
conditional UPDATE (unused and unexpired), so two tabs racing with the same link cannot both
set a password. A new link replaces the agent's unused ones; a new password signs the agent
out everywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.errors import InvalidPasswordToken
from app.accounts.models import PasswordToken
from app.accounts.sessions import end_all_sessions
from app.auth import hash_token, new_token
from app.db_util import rowcount
from app.escalation.models import Agent

SETUP_PATH = "/password-setup"


async def issue_link(
    session: AsyncSession,
    *,
    agent_id: int,
    purpose: str,
    base_url: str,
    now: datetime,
    lifetime: timedelta,
) -> str:
    """The link's URL (shown once)."""
    await session.execute(
        delete(PasswordToken).where(
            PasswordToken.agent_id == agent_id, PasswordToken.used_at.is_(None)
        )
    )
    token = new_token()
    session.add(
        PasswordToken(
            token_hash=hash_token(token),
            agent_id=agent_id,
            purpose=purpose,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    await session.flush()
    return f"{base_url.rstrip('/')}{SETUP_PATH}?token={token}"


async def use_link(session: AsyncSession, *, token: str, password_hash: str, now: datetime) -> int:
    """Set the password of the link's agent; the agent's id. ``InvalidPasswordToken`` when
    the link is unknown, used, expired, or its account deactivated."""
    used = await session.execute(
        update(PasswordToken)
        .where(
            PasswordToken.token_hash == hash_token(token),
            PasswordToken.used_at.is_(None),
            PasswordToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(PasswordToken.agent_id)
    )
    agent_id = used.scalar()
    agent = None if agent_id is None else await session.get(Agent, agent_id)
    if agent is None or not agent.active:
        raise InvalidPasswordToken("this link was already used or has expired; ask an admin")
    agent.password_hash = password_hash
    await end_all_sessions(session, agent.id)
    await session.flush()
    return agent.id


async def delete_spent(session: AsyncSession, *, now: datetime, limit: int) -> int:
    """Links past their expiry, used or not (retention)."""
    hashes = (
        await session.scalars(
            select(PasswordToken.token_hash).where(PasswordToken.expires_at <= now).limit(limit)
        )
    ).all()
    if not hashes:
        return 0
    result = await session.execute(
        delete(PasswordToken).where(PasswordToken.token_hash.in_(hashes))
    )
    return rowcount(result)
