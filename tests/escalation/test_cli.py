"""``router agents create NAME`` prints a working token."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from app.auth import hash_token
from app.cli import main
from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.escalation.models import Agent


async def test_agents_create_prints_a_token_stored_hashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ROUTER_DATABASE_URL", url)
    # The command runs its own event loop, as it does from a shell.
    await asyncio.to_thread(main, ["agents", "create", "Siti", "--create"])
    token = capsys.readouterr().out.strip().splitlines()[-1]

    engine = create_engine(Settings(database_url=url))
    try:
        async with create_sessionmaker(engine)() as session:
            agents = (await session.scalars(select(Agent))).all()
    finally:
        await engine.dispose()
    assert [(a.name, a.active) for a in agents] == [("Siti", True)]
    assert agents[0].token_hash == hash_token(token)
    assert token not in agents[0].token_hash
