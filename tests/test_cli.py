"""The `router` command: clear one-line failures for bad configuration, and JSON logs."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.cli import METRICS_DIR_PREFIX, remove_orphaned_metrics
from app.config import Settings
from app.conversations.models import Contact
from app.db import create_engine, create_sessionmaker, utcnow
from app.migrate import upgrade
from app.outbox.models import OutboxItem
from tests.fakes.graph_api import FakeGraphApi

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
    assert result.stdout == ""  # an admin command logs on stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
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


async def test_worker_delivers_the_outbox_without_http(tmp_path: Path) -> None:
    """`router worker` runs the background jobs on its own: a reply stored by another process
    (here: written straight into the outbox) reaches the Graph API, and SIGTERM stops it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"
    engine = create_engine(Settings(database_url=url))
    await upgrade(engine)
    async with create_sessionmaker(engine)() as session, session.begin():
        contact = Contact(channel="whatsapp", external_id="628111", account_id="1098765")
        session.add(contact)
        await session.flush()
        session.add(
            OutboxItem(
                channel="whatsapp",
                recipient_key="whatsapp:1098765:628111",
                account_id="1098765",
                payload={
                    "messaging_product": "whatsapp",
                    "to": "628111",
                    "type": "text",
                    "text": {"body": "Halo dari worker"},
                },
                status="pending",
                attempts=0,
                next_attempt_at=utcnow(),
            )
        )
    await engine.dispose()

    async with FakeGraphApi() as graph:
        env = {
            **os.environ,
            "ROUTER_DATABASE_URL": url,
            "ROUTER_GRAPH_API_BASE": graph.base_url,
            "ROUTER_WHATSAPP_ACCESS_TOKEN": "worker-test-token",
        }
        process = await asyncio.create_subprocess_exec(
            *ROUTER,
            "worker",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            async with asyncio.timeout(30):
                while not graph.delivered:
                    await asyncio.sleep(0.1)
            # It yields the CPU to `router serve` on a shared host (ROUTER_WORKER_NICE, 10).
            ours = os.getpriority(os.PRIO_PROCESS, 0)
            assert os.getpriority(os.PRIO_PROCESS, process.pid) == min(ours + 10, 19)
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, output.decode()
    (request,) = graph.delivered
    assert request.path.endswith("/1098765/messages")
    assert request.json["text"]["body"] == "Halo dari worker"
    assert b"background workers stopped" in output


def test_a_worker_whose_stopping_hangs_ends_itself() -> None:
    """The safety net for a worker nobody is left to kill: stopping that hangs ends the
    process after the deadline, with a log line saying so."""
    script = (
        "import time; from app.logging import configure_logging;"
        " from app.cli import _exit_if_stopping_hangs; configure_logging('INFO');"
        " _exit_if_stopping_hangs(0.2); time.sleep(30)"
    )
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=20, check=False
    )
    assert result.returncode == 1
    assert time.monotonic() - began < 15
    assert "stopping took over" in result.stdout


def test_metrics_directories_of_dead_servers_are_removed(tmp_path: Path) -> None:
    """A server killed with SIGKILL cannot remove its metrics directory; the next one does."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = tmp_path / f"{METRICS_DIR_PREFIX}{dead.pid}-abc"
    live = tmp_path / f"{METRICS_DIR_PREFIX}{os.getpid()}-def"
    unrelated = tmp_path / "something-else"
    for directory in (orphan, live, unrelated):
        directory.mkdir()
        (directory / "counter_1.db").write_bytes(b"")
    remove_orphaned_metrics(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, unrelated.name])
