"""Accounts for tests: an agent with e-mail, password and role, and signing it in."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.passwords import hash_password
from app.accounts.sessions import COOKIE, CSRF_HEADER
from app.escalation.models import Agent
from tests.factories import make_agent

PASSWORD = "kuda-laut-berenang-7"


async def make_account(
    session: AsyncSession,
    *,
    name: str = "Ani",
    email: str = "ani@toko.example",
    role: str = "agent",
    password: str = PASSWORD,
) -> Agent:
    """An active agent who can sign in with ``email`` and ``password`` (flushes only)."""
    agent, _token = await make_agent(session, name=name)
    agent.email, agent.role, agent.password_hash = email, role, hash_password(password)
    await session.flush()
    return agent


async def sign_in(
    client: httpx.AsyncClient, email: str = "ani@toko.example", password: str = PASSWORD
) -> dict[str, str]:
    """Headers that act as the signed-in page does: the session cookie and the CSRF header.
    The client's own cookie jar is emptied, so each caller says who it is."""
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    cookie = response.cookies[COOKIE]
    client.cookies.clear()
    return {"Cookie": f"{COOKIE}={cookie}", CSRF_HEADER: response.json()["csrf_token"]}


def cookie_only(headers: dict[str, str]) -> dict[str, str]:
    """The same session without its CSRF header: what a forged cross-site request sends."""
    return {"Cookie": headers["Cookie"]}
