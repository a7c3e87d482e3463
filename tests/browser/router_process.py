"""A real ``router serve`` process for browser tests, on a free local port."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_POLLS = 300  # x 0.1 s
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chromium_path() -> str:
    """Debian's chromium, or skip the test (never ``playwright install``)."""
    pytest.importorskip("playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


@asynccontextmanager
async def running_router(
    tmp_path: Path, database_url: str, env: dict[str, str]
) -> AsyncIterator[str]:
    """Start the service with these ``ROUTER_*`` settings; yields its base URL."""
    port = free_port()
    full_env = {
        **os.environ,
        "ROUTER_DATABASE_URL": database_url,
        "ROUTER_RUN_WORKERS": "false",
        "ROUTER_LOG_LEVEL": "WARNING",
        **env,
    }
    log_path = tmp_path / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            # Generous: the start (migrations, KB index) shares a busy machine.
            for _ in range(STARTUP_POLLS):
                if server.poll() is not None:
                    break
                try:
                    if (await client.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                pytest.fail("the service did not start")
        if server.poll() is not None:
            pytest.fail("the service exited: " + log_path.read_text()[-2000:])
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
