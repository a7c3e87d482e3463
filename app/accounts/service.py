"""Accounts as the admin manages them: e-mail and role on a new agent, role changes, reset
links, deactivation; each recorded in the audit log."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.links import issue_link
from app.accounts.passwords import hash_password_async
from app.accounts.sessions import end_all_sessions
from app.accounts.signin import MAX_EMAIL_LENGTH, normalise_email
from app.audit.service import record
from app.auth import Role
from app.errors import Conflict, ValidationFailed
from app.escalation.agents import create_agent, deactivate_agent
from app.escalation.errors import AgentNotFound
from app.escalation.models import Agent

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def valid_email(email: str) -> str:
    clean = normalise_email(email)
    if len(clean) > MAX_EMAIL_LENGTH or not _EMAIL.match(clean):
        raise ValidationFailed("email must be an e-mail address (name@example.com)")
    return clean


async def create_account(
    session: AsyncSession,
    *,
    name: str,
    email: str | None,
    role: Role,
    actor: str,
    now: datetime,
    password: str | None = None,
) -> tuple[Agent, str]:
    """A new agent with its token (shown once), e-mail and role; with ``password`` (the
    CLI), it can sign in at once, else through a setup link (``setup_link``)."""
    address = None if email is None else valid_email(email)
    password_hash = None if password is None else await hash_password_async(password)
    agent, token = await create_agent(session, name=name, now=now)
    agent.role = role
    agent.email = address
    agent.password_hash = password_hash
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict(f"an account with e-mail {address} exists", code="email_taken") from None
    details = {"name": agent.name, "role": role, "email": address}
    await record(
        session, actor=actor, action="agent.created", target=_target(agent.id), details=details
    )
    return agent, token


async def setup_link(
    session: AsyncSession,
    *,
    agent_id: int,
    purpose: str,
    actor: str,
    base_url: str,
    now: datetime,
    lifetime: timedelta,
) -> str:
    """A one-time link to set the agent's password (``setup`` or ``reset``)."""
    agent = await session.get(Agent, agent_id)
    if agent is None or not agent.active:
        raise AgentNotFound(f"agent {agent_id} does not exist or was deactivated")
    if agent.email is None:
        raise ValidationFailed("this agent has no e-mail: it signs in with its token only")
    url = await issue_link(
        session, agent_id=agent_id, purpose=purpose, base_url=base_url, now=now, lifetime=lifetime
    )
    if purpose == "reset":
        await record(session, actor=actor, action="agent.password_reset", target=_target(agent_id))
    return url


async def change_role(session: AsyncSession, *, agent_id: int, role: Role, actor: str) -> Agent:
    agent = await session.get(Agent, agent_id)
    if agent is None:
        raise AgentNotFound(f"agent {agent_id} does not exist")
    if agent.role != role:
        details = {"from": agent.role, "to": role}
        agent.role = role
        await record(
            session,
            actor=actor,
            action="agent.role_changed",
            target=_target(agent_id),
            details=details,
        )
        await session.flush()
    return agent


async def deactivate_account(
    session: AsyncSession, *, agent_id: int, actor: str, now: datetime
) -> Agent:
    """Deactivate (tokens and sessions stop at the next request) and sign out everywhere."""
    agent = await deactivate_agent(session, agent_id=agent_id, now=now)
    await end_all_sessions(session, agent_id)
    await record(session, actor=actor, action="agent.deactivated", target=_target(agent_id))
    return agent


def _target(agent_id: int) -> str:
    return f"agent:{agent_id}"
