"""How the browser tests launch Debian's chromium (never ``playwright install``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's chromium, or skip the test (never ``playwright install``)."""
    pytest.importorskip("playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


@asynccontextmanager
async def launched(chromium: str) -> AsyncIterator[Any]:
    """A headless chromium (a Playwright ``Browser``), closed afterwards."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def fresh_service(tmp_path: Path, admin_token: str, **env: str) -> AsyncIterator[str]:
    """``router serve`` on a new, migrated SQLite database (words-only matching); its URL."""
    from app.config import Settings
    from app.db import create_engine
    from app.migrate import upgrade
    from tests.serve import running_service

    database_url = f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"
    engine = create_engine(Settings(database_url=database_url))
    await upgrade(engine)
    await engine.dispose()
    async with running_service(
        tmp_path, database_url, admin_token, ROUTER_KB_SEMANTIC="false", **env
    ) as base:
        yield base
