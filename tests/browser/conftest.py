"""Browser tests drive Debian's chromium through Playwright (never ``playwright install``)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.browser.support import CHROMIUM, ROOT, TOKEN, seed_dashboard


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives a real headless chromium against a running service"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chromium() -> str:
    pytest.importorskip("playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[str]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"
    await seed_dashboard(database_url)
    port = _free_port()
    env = {
        **os.environ,
        "ROUTER_DATABASE_URL": database_url,
        "ROUTER_ADMIN_TOKEN": TOKEN,
        "ROUTER_RUN_WORKERS": "false",
        "ROUTER_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(300):  # 30 s: a loaded machine starts it slowly
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
        server.wait(timeout=10)
        log.close()
