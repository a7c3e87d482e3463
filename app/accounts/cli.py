"""``router agents create NAME [--email E --role R]``: an agent with its token and, with an
e-mail, a password to sign in with.

The password is asked at the terminal (twice, not echoed) or, when standard input is not a
terminal, read from its first line, so scripts can pipe it in; never from an argument (it
would sit in the shell history and the process list).
"""

from __future__ import annotations

import getpass
import sys

from app.accounts.passwords import check_strength
from app.accounts.service import create_account
from app.auth import Role
from app.config import Settings
from app.db import create_engine, create_sessionmaker, utcnow
from app.errors import AppError


def read_password() -> str:
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password (at least 10 characters): ")
        if getpass.getpass("Repeat it: ") != password:
            raise SystemExit("the two passwords differ")
    try:
        check_strength(password)
    except AppError as exc:
        raise SystemExit(exc.message) from None
    return password


async def create_account_and_print(
    settings: Settings, name: str, email: str | None, role: Role, password: str | None
) -> None:
    """Create the agent (recorded in the audit log as done by ``cli``); the token alone goes
    to stdout so scripts can capture it; it is never shown again."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            agent, token = await create_account(
                session,
                name=name,
                email=email,
                role=role,
                actor="cli",
                now=utcnow(),
                password=password,
            )
    except AppError as exc:
        raise SystemExit(exc.message) from None
    finally:
        await engine.dispose()
    signs_in = f"sign in as {agent.email}; " if agent.email else ""
    print(
        f"agent {agent.id} ({agent.name}, {role}) created; {signs_in}token (shown once):",
        file=sys.stderr,
    )
    print(token)
