"""`router serve`'s worker child (``app.worker_process``), with real processes: started, restarted
when it dies, stopped with the server, killed when it ignores SIGTERM, gone when the server
dies."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app.config import MAX_AUTO_WORKER_PROCESSES, Settings, usable_cores
from app.conversations.models import Contact
from app.db import create_engine, create_sessionmaker, utcnow
from app.migrate import upgrade
from app.outbox.models import OutboxItem
from app.worker_process import WorkerProcess
from tests.fakes.graph_api import FakeGraphApi
from tests.faults.harness import free_port, router_env, wait_for
from tests.processes import alive, children, command_line

PYTHON = sys.executable


async def test_a_child_that_exits_is_started_again(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    script = f"open({str(runs)!r}, 'a').write('x')"
    process = WorkerProcess([PYTHON, "-c", script], restart_delay=0.05)
    process.start()
    try:
        await wait_for(
            lambda: runs.exists() and len(runs.read_text()) >= 3, timeout=30, interval=0.05
        )
    finally:
        await process.stop()


async def test_stop_ends_the_child(tmp_path: Path) -> None:
    process = WorkerProcess([PYTHON, "-c", "import sys; sys.stdin.read()"])
    process.start()
    await wait_for(lambda: process.pid is not None, timeout=30)
    pid = process.pid
    assert pid is not None
    await process.stop()
    assert not alive(pid)
    assert process.returncode == -signal.SIGTERM


async def test_a_child_that_ignores_sigterm_is_killed(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    script = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
        f" open({str(ready)!r}, 'w').close(); time.sleep(60)"
    )
    process = WorkerProcess([PYTHON, "-c", script], stop_timeout=0.5)
    process.start()
    await wait_for(ready.exists, timeout=30)
    await process.stop()
    assert process.returncode == -signal.SIGKILL


async def _store_reply(url: str, text: str) -> None:
    engine = create_engine(Settings(database_url=url))
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            contact = await session.scalar(select(Contact))
            if contact is None:
                session.add(Contact(channel="whatsapp", external_id="628111", account_id="10987"))
            session.add(
                OutboxItem(
                    channel="whatsapp",
                    recipient_key="whatsapp:10987:628111",
                    account_id="10987",
                    payload={"messaging_product": "whatsapp", "to": "628111", "text": text},
                    status="pending",
                    attempts=0,
                    next_attempt_at=utcnow(),
                )
            )
    finally:
        await engine.dispose()


async def sent(url: str, count: int) -> bool:
    """At least ``count`` outbox rows are recorded as sent."""
    engine = create_engine(Settings(database_url=url))
    try:
        async with create_sessionmaker(engine)() as session:
            query = select(func.count()).where(OutboxItem.status == "sent")
            return int(await session.scalar(query) or 0) >= count
    finally:
        await engine.dispose()


@pytest.mark.faults
async def test_router_serve_answers_from_a_child_it_restarts_and_takes_along(
    tmp_path: Path,
) -> None:
    """ROUTER_WORKER_MODE=process (SQLite here; PostgreSQL's default): the replies leave from
    `router serve`'s child, a killed child is replaced, and the child does not outlive a
    server killed with SIGKILL."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"
    engine = create_engine(Settings(database_url=url))
    await upgrade(engine)
    await engine.dispose()
    await _store_reply(url, "first")
    port = free_port()
    async with FakeGraphApi() as graph:
        env = router_env(url, graph.base_url, worker_mode="process")
        server = await asyncio.create_subprocess_exec(
            PYTHON, "-m", "app.cli", "serve", "--port", str(port), env=env, cwd=tmp_path
        )
        try:
            await wait_for(lambda: len(graph.delivered) == 1, timeout=30)
            # Recorded as sent before the kill: a reply killed between the two is sent again
            # after its lease (at-least-once), which is not what this test is about.
            await wait_for(lambda: sent(url, 1), timeout=30)
            (child,) = children(server.pid)
            assert command_line(child)[-3:] == ["app.cli", "worker", "--supervised"]
            # Below the server's priority, in its session (so the nice value counts), and
            # deaf to a terminal's Ctrl-C: the server stops it in order.
            assert os.getpriority(os.PRIO_PROCESS, child) == min(
                os.getpriority(os.PRIO_PROCESS, server.pid) + 10, 19
            )
            assert os.getsid(child) == os.getsid(server.pid)
            os.kill(child, signal.SIGINT)
            await asyncio.sleep(0.5)
            assert alive(child)

            os.kill(child, signal.SIGKILL)
            await wait_for(
                lambda: children(server.pid) not in ([], [child]), timeout=30, interval=0.05
            )
            await _store_reply(url, "second")
            await wait_for(lambda: sent(url, 2), timeout=30)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                metrics = (await client.get("/metrics")).text
            assert "router_worker_process_exits_total 1.0" in metrics
            # Counted in the children, reported by the server: the dead one's send too.
            assert 'router_outbox_deliveries_total{result="sent"} 2.0' in metrics

            (replacement,) = children(server.pid)
            server.kill()
            await server.wait()
            await wait_for(lambda: not alive(replacement), timeout=15)
        finally:
            if server.returncode is None:
                server.terminate()
                await server.wait()
    assert [r.json["text"] for r in graph.delivered] == ["first", "second"]


@pytest.mark.parametrize(
    ("url", "mode", "run_workers", "child"),
    [
        ("postgresql+asyncpg://db/router", "auto", True, True),
        ("sqlite+aiosqlite:///router.db", "auto", True, False),  # one writer: inline
        ("postgresql+asyncpg://db/router", "inline", True, False),
        ("sqlite+aiosqlite:///router.db", "process", True, True),
        ("postgresql+asyncpg://db/router", "process", False, False),  # no jobs at all
    ],
)
def test_where_the_jobs_run(url: str, mode: str, run_workers: bool, child: bool) -> None:
    settings = Settings(database_url=url, worker_mode=mode, run_workers=run_workers)
    assert settings.workers_in_child_process is child
    assert (settings.worker_children > 0) is child


@pytest.mark.parametrize(
    ("url", "asked", "children"),
    [
        ("postgresql+asyncpg://db/router", 0, min(usable_cores(), MAX_AUTO_WORKER_PROCESSES)),
        ("postgresql+asyncpg://db/router", 3, 3),
        ("sqlite+aiosqlite:///router.db", 3, 1),  # one writer: more would queue on its lock
    ],
)
def test_how_many_worker_children(url: str, asked: int, children: int) -> None:
    settings = Settings(database_url=url, worker_mode="process", worker_processes=asked)
    assert settings.worker_children == children


def test_usable_cores_follow_the_affinity() -> None:
    """A process pinned to one core (as in a container given one CPU set) counts one, even on
    a machine with more: in a child, so this test process keeps its own affinity."""
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("no CPU affinity on this platform")
    script = (
        "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))});"
        " from app.config import usable_cores; print(usable_cores())"
    )
    result = subprocess.run([PYTHON, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "1"
    assert usable_cores() == len(os.sched_getaffinity(0))
