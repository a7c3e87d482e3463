"""Sign-in sessions: the cookie, its CSRF token, and who a cookie belongs to.

The cookie holds a random session id (HttpOnly, so page scripts never see it); the database
keeps only its SHA-256. The CSRF token is derived from the id (HMAC), so it needs no storage,
and a page that cannot read the cookie (any other site) cannot compute it: a cross-site form
or fetch riding on the cookie has no ``X-CSRF-Token`` to send and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from fastapi import Request, Response
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.errors import CsrfFailed
from app.accounts.models import AccountSession
from app.db import utcnow
from app.errors import Unauthorized
from app.escalation.models import Agent

COOKIE = "router_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def csrf_token(session_id: str) -> str:
    return hmac.new(session_id.encode(), b"router-csrf", hashlib.sha256).hexdigest()


def session_cookie(request: Request) -> str | None:
    return request.cookies.get(COOKIE) or None


async def start_session(
    session: AsyncSession, *, agent_id: int, now: datetime, lifetime: timedelta
) -> str:
    """A new session for the agent; returns its id (the cookie's value), not stored."""
    session_id = secrets.token_urlsafe(32)
    session.add(
        AccountSession(
            token_hash=_hash(session_id),
            agent_id=agent_id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    await session.flush()
    return session_id


def set_cookie(response: Response, request: Request, session_id: str, lifetime: timedelta) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=int(lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )


def check_csrf(request: Request, session_id: str) -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), csrf_token(session_id).encode()):
        raise CsrfFailed(f"this request needs the session's {CSRF_HEADER} header")


async def session_agent(session: AsyncSession, session_id: str) -> tuple[int, Agent] | None:
    """The live session's row id and its active agent, or None (unknown, expired, signed out,
    or the account was deactivated)."""
    row = (
        await session.execute(
            select(AccountSession.id, Agent)
            .join(Agent, Agent.id == AccountSession.agent_id)
            .where(
                AccountSession.token_hash == _hash(session_id),
                AccountSession.expires_at > utcnow(),
                Agent.active.is_(True),
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def session_is_live(session: AsyncSession, session_row_id: int) -> bool:
    """Still signed in (a long-poll asks each time it looks again)?"""
    found = await session.scalar(
        select(AccountSession.id)
        .join(Agent, Agent.id == AccountSession.agent_id)
        .where(
            AccountSession.id == session_row_id,
            AccountSession.expires_at > utcnow(),
            Agent.active.is_(True),
        )
    )
    return found is not None


async def end_session(session: AsyncSession, session_id: str) -> int | None:
    """Delete the session (sign-out); its agent id, or None if it was not live."""
    row = await session.execute(
        delete(AccountSession)
        .where(AccountSession.token_hash == _hash(session_id))
        .returning(AccountSession.agent_id)
    )
    return row.scalar()


async def end_all_sessions(session: AsyncSession, agent_id: int) -> None:
    """Sign the agent out everywhere (deactivated, or a new password)."""
    await session.execute(delete(AccountSession).where(AccountSession.agent_id == agent_id))


async def delete_expired(session: AsyncSession, *, now: datetime, limit: int) -> int:
    ids = (
        await session.scalars(
            select(AccountSession.id).where(AccountSession.expires_at <= now).limit(limit)
        )
    ).all()
    if ids:
        await session.execute(delete(AccountSession).where(AccountSession.id.in_(ids)))
    return len(ids)


def session_unauthorized() -> Unauthorized:
    return Unauthorized(
        "not signed in (the session ended or was signed out)",
        headers={"WWW-Authenticate": "Bearer"},
    )
