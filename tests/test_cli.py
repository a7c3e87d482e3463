"""The `router` command: clear one-line failures for bad configuration, and JSON logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

ROUTER = [sys.executable, "-m", "app.cli"]


def run_router(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ROUTER, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_malformed_database_url_is_one_clear_line() -> None:
    result = run_router("serve", env={"ROUTER_DATABASE_URL": "mysql://nope"})
    assert result.returncode == 2
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0]["level"] == "error"
    assert "ROUTER_DATABASE_URL" in lines[0]["msg"]
    assert "Traceback" not in result.stdout + result.stderr


def test_unreachable_database_is_one_clear_line() -> None:
    result = run_router(
        "migrate", env={"ROUTER_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}
    )
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "cannot use the database" in lines[0]["msg"]
    assert "Traceback" not in result.stdout + result.stderr


def test_migrate_creates_the_sqlite_file_and_its_folder(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "router.db"
    result = run_router("migrate", env={"ROUTER_DATABASE_URL": f"sqlite+aiosqlite:///{target}"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert target.exists()


async def test_each_request_logs_one_json_line(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="app.access")
    await client.get("/healthz")
    records = [r for r in caplog.records if r.name == "app.access"]
    assert len(records) == 1
    record = vars(records[0])
    assert (record["method"], record["path"], record["status"]) == ("GET", "/healthz", 200)
    assert record["duration_ms"] >= 0
