"""Signing in and out.

A sign-in runs in short transactions of its own rather than the request's session: the
password check (0.1 s of CPU, in a thread) must not hold SQLite's write turn, and a failed
attempt's audit entry must be stored although the answer is an error.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.errors import InvalidCredentials
from app.accounts.passwords import verify_password
from app.accounts.sessions import end_session, start_session
from app.accounts.throttle import LoginThrottle
from app.audit.service import record
from app.escalation.models import Agent
from app.escalation.notifier import notify_after_commit
from app.escalation.transcripts import transcript_notifier

MAX_EMAIL_LENGTH = 320


def normalise_email(email: str) -> str:
    return email.strip().lower()


@contextlib.asynccontextmanager
async def short_transaction(state: Any) -> AsyncIterator[AsyncSession]:
    """One committed transaction, taking SQLite's in-process writer turn like a request."""
    async with (
        state.sqlite_writer_queue or contextlib.nullcontext(),
        state.sessionmaker() as session,
        session.begin(),
    ):
        yield session


@dataclass(frozen=True)
class SignedIn:
    agent: Agent
    session_id: str  # the cookie's value


async def sign_in(
    state: Any,
    throttle: LoginThrottle,
    *,
    email: str,
    password: str,
    ip: str,
    lifetime: timedelta,
    now: datetime,
) -> SignedIn:
    """A new session, or ``InvalidCredentials`` (the same for an unknown e-mail, a wrong
    password, a deactivated account or one without a password yet: same status, message and
    work) or ``TooManyAttempts``."""
    email = normalise_email(email)[:MAX_EMAIL_LENGTH]
    await throttle.check(email=email, ip=ip)
    async with short_transaction(state) as session:
        agent = await session.scalar(select(Agent).where(Agent.email == email))
    usable = agent is not None and agent.active
    if not await verify_password(agent.password_hash if usable and agent else None, password):
        await throttle.failed(email=email, ip=ip)
        async with short_transaction(state) as session:
            # The e-mail as typed is the actor; the password is never written anywhere.
            await record(
                session, actor=email, action="auth.login_failed", details={"ip": ip}, at=now
            )
        raise InvalidCredentials("wrong e-mail or password")
    assert agent is not None
    async with short_transaction(state) as session:
        session_id = await start_session(session, agent_id=agent.id, now=now, lifetime=lifetime)
        actor = f"agent:{agent.id}"
        await record(
            session, actor=actor, action="auth.login", target=actor, details={"ip": ip}, at=now
        )
    return SignedIn(agent=agent, session_id=session_id)


async def sign_out(session: AsyncSession, session_id: str) -> None:
    """Delete the session; its long-polls in this process look again at once and end (other
    replicas' within their next recheck, about a second)."""
    agent_id = await end_session(session, session_id)
    if agent_id is None:
        return  # already gone: signing out twice is fine
    actor = f"agent:{agent_id}"
    await record(session, actor=actor, action="auth.logout", target=actor)
    notify_after_commit(session)
    notify_after_commit(session, transcript_notifier)
