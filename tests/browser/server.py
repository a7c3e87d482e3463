"""``router serve`` as a real process for browser tests: started on a free port with the
given settings, waited for (``/healthz``), stopped afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chromium_path() -> str:
    """Debian's chromium for playwright, or skip (never ``playwright install``)."""
    pytest.importorskip("playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


@contextlib.asynccontextmanager
async def running_service(log_path: Path, env: dict[str, str]) -> AsyncIterator[str]:
    """The base URL of a ``router serve`` with ``env`` (``ROUTER_*`` settings) on top of
    this process's environment; its output goes to ``log_path``."""
    port = free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1"]
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=base) as client:
                for _ in range(600):  # the machine may be busy: up to a minute
                    if server.poll() is not None:
                        pytest.fail("the service exited: " + log_path.read_text()[-2000:])
                    with contextlib.suppress(httpx.TransportError):
                        if (await client.get("/healthz")).status_code == 200:
                            break
                    await asyncio.sleep(0.1)
                else:
                    pytest.fail("the service did not start")
            yield base
        finally:
            server.terminate()
            server.wait(timeout=10)
