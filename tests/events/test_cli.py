"""``router events ...``: the same rules as the admin API, from a shell."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from app.cli import main

SECRET = "cli-secret-value"


async def _router(*args: str) -> None:
    # Each command runs its own event loop, as it does from a shell; the first one makes the
    # test's database (`--create`), as an admin command never does unasked.
    await asyncio.to_thread(main, [*args, "--create"])


async def test_add_list_resume_remove(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ROUTER_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    events = "csat.received, handoff.created"
    await _router(
        "events", "add", "https://93.184.215.14/h", "--events", events, "--secret", SECRET
    )
    created = json.loads(capsys.readouterr().out)
    assert created["events"] == ["csat.received", "handoff.created"]
    await _router("events", "list")
    listed = capsys.readouterr().out
    assert [s["id"] for s in json.loads(listed)] == [created["id"]]
    assert SECRET not in listed
    await _router("events", "resume", str(created["id"]))
    assert json.loads(capsys.readouterr().out)["status"] == "active"
    await _router("events", "remove", str(created["id"]))
    assert "deleted" in capsys.readouterr().out
    await _router("events", "list")
    assert json.loads(capsys.readouterr().out) == []


async def test_a_private_url_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTER_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    with pytest.raises(SystemExit) as exited:
        await _router(
            "events", "add", "http://127.0.0.1/h", "--events", "csat.received", "--secret", SECRET
        )
    assert exited.value.code == 1
