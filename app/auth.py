"""Authentication: the admin token, agent tokens and web chat session tokens (Bearer), and
the pages' sign-in sessions (a cookie plus the CSRF header, ``app.accounts.sessions``).

Tokens are random, shown once, and stored as SHA-256 hashes; the admin token is compared in
constant time. (SHA-256 rather than a slow KDF: tokens are 256-bit random, not passwords.)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import Depends, Request
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import sessions as account_sessions
from app.channels.models import WebchatSession
from app.conversations.models import Contact
from app.db import SessionDep, utcnow
from app.errors import AppError, Forbidden, Unauthorized
from app.escalation.models import Agent


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


Role = Literal["agent", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("agent", "supervisor", "admin")


@dataclass(frozen=True)
class Principal:
    """Who makes a request: the admin token (``kind="admin"``, no agent) or an agent's token
    or account, with the account's role. An agent account with role ``admin`` may do
    everything the admin token may."""

    kind: Literal["admin", "agent"]
    agent_id: int | None = None
    agent_name: str | None = None
    role: Role = "agent"
    # Signed in with a password: the session's row (long-polls re-check it), else None.
    session_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin" or self.role == "admin"

    @property
    def is_supervisor(self) -> bool:
        """Supervisors (and admins) see every team, transfer, read conversations and stats."""
        return self.is_admin or self.role == "supervisor"


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


def _matches(token: str, configured: SecretStr | None) -> bool:
    if configured is None:
        return False
    return hmac.compare_digest(token.encode(), configured.get_secret_value().encode())


def _is_admin_token(request: Request, token: str) -> bool:
    return _matches(token, request.app.state.settings.admin_token)


async def require_metrics_reader(request: Request) -> None:
    """Metrics are public unless ``ROUTER_METRICS_TOKEN`` is set; then that token (or the
    admin token) is needed: they reveal traffic volumes and failure rates."""
    settings = request.app.state.settings
    if settings.metrics_token is None:
        return
    token = _bearer(request)
    if not (_matches(token, settings.metrics_token) or _is_admin_token(request, token)):
        raise Unauthorized("invalid metrics token", headers={"WWW-Authenticate": "Bearer"})


async def current_principal(request: Request, session: SessionDep) -> Principal:
    """Admin or an active agent; anything else is 401. A bearer token wins; without one, the
    session cookie (and, to change anything, its CSRF header)."""
    cookie = account_sessions.session_cookie(request)
    if cookie is not None and "authorization" not in request.headers:
        return await _session_principal(request, session, cookie)
    token = _bearer(request)
    if _is_admin_token(request, token):
        return Principal(kind="admin", role="admin")
    agent = await session.scalar(
        select(Agent).where(Agent.token_hash == hash_token(token), Agent.active.is_(True))
    )
    if agent is None:
        raise _invalid_token()
    return principal_of(agent)


async def _session_principal(request: Request, session: AsyncSession, cookie: str) -> Principal:
    account_sessions.check_csrf(request, cookie)  # before any query: a forged request costs nothing
    found = await account_sessions.session_agent(session, cookie)
    if found is None:
        raise account_sessions.session_unauthorized()
    session_id, agent = found
    return principal_of(agent, session_id=session_id)


def principal_of(agent: Agent, *, session_id: int | None = None) -> Principal:
    role: Role = agent.role if agent.role in ROLES else "agent"
    return Principal(
        kind="agent", agent_id=agent.id, agent_name=agent.name, role=role, session_id=session_id
    )


async def confirm_principal(session: AsyncSession, principal: Principal) -> None:
    """Still signed in? A long-poll asks each time it looks again, so an agent deactivated
    while it waits gets its 401 then (within about a second, from any replica), not only at
    the page's next request."""
    if principal.agent_id is None:
        return  # the admin token changes only with a restart
    if principal.session_id is not None:
        if not await account_sessions.session_is_live(session, principal.session_id):
            raise account_sessions.session_unauthorized()
        return
    active = await session.scalar(select(Agent.active).where(Agent.id == principal.agent_id))
    if not active:
        raise _invalid_token()


def _invalid_token() -> Unauthorized:
    return Unauthorized("invalid token", headers={"WWW-Authenticate": "Bearer"})


async def require_admin(request: Request, session: SessionDep) -> Principal:
    if request.app.state.settings.admin_token is None:
        # Only an admin account can be admin then; anyone else learns what to configure.
        try:
            principal = await current_principal(request, session)
        except Unauthorized:
            principal = None
        if principal is None or not principal.is_admin:
            raise AppError(
                "set ROUTER_ADMIN_TOKEN (or sign in with an admin account) to use admin routes",
                code="admin_token_not_configured",
                status_code=503,
            )
        return principal
    principal = await current_principal(request, session)
    if not principal.is_admin:
        raise Forbidden("admin token or role required")
    return principal


async def require_supervisor(request: Request, session: SessionDep) -> Principal:
    """Supervisors and admins: every team's queue, transfers, conversations, statistics."""
    principal = await current_principal(request, session)
    if not principal.is_supervisor:
        raise Forbidden("supervisor or admin role required")
    return principal


async def current_webchat_session(request: Request, session: SessionDep) -> WebchatSession:
    token = _bearer(request)
    row = (
        await session.execute(
            select(WebchatSession, Contact.last_inbound_at)
            .join(Contact, Contact.id == WebchatSession.contact_id)
            .where(WebchatSession.token_hash == hash_token(token))
        )
    ).first()
    if row is None:
        raise Unauthorized("invalid web chat session token", headers={"WWW-Authenticate": "Bearer"})
    chat, last_message_at = row
    idle = timedelta(hours=request.app.state.settings.webchat_session_idle_hours)
    if max(chat.created_at, last_message_at or chat.created_at) < utcnow() - idle:
        raise Unauthorized(
            "this web chat session has expired; start a new one",
            code="session_expired",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return chat


AdminDep = Annotated[Principal, Depends(require_admin)]
PrincipalDep = Annotated[Principal, Depends(current_principal)]
SupervisorDep = Annotated[Principal, Depends(require_supervisor)]
WebchatSessionDep = Annotated[WebchatSession, Depends(current_webchat_session)]
