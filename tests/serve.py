"""A real ``router serve`` on a free port, for tests that need the service as a process
(the browser tests, a second replica)."""

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

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running_service(
    tmp_path: Path, database_url: str, admin_token: str, **env: str
) -> AsyncIterator[str]:
    """Start the service (workers off unless ``env`` says otherwise); yields its base URL."""
    port = free_port()
    environment = {
        **os.environ,
        "ROUTER_DATABASE_URL": database_url,
        "ROUTER_ADMIN_TOKEN": admin_token,
        "ROUTER_RUN_WORKERS": "false",
        "ROUTER_LOG_LEVEL": "WARNING",
        **env,
    }
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            # Generous: on a loaded machine the start (imports, migrations) takes seconds.
            for _ in range(START_SECONDS * 10):
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
            pytest.fail("the service exited: " + (tmp_path / "server.log").read_text()[-2000:])
        yield base
    finally:
        server.terminate()
        try:
            # uvicorn lets requests in flight finish: a long-poll may hold it for its wait.
            server.wait(timeout=45)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
