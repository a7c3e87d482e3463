"""Browser tests drive Debian's chromium through Playwright (never ``playwright install``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.browser.service import chromium_path
from tests.browser.support import TOKEN, seed_dashboard
from tests.serve import running_service


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives a real headless chromium against a running service"
    )


@pytest.fixture
def chromium() -> str:
    return chromium_path()


@pytest.fixture(scope="module")
async def service(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """``router serve`` on the dashboard's seeded SQLite database, one per module: the
    dashboard tests only read it."""
    folder = tmp_path_factory.mktemp("dashboard")
    database_url = f"sqlite+aiosqlite:///{folder / 'router.db'}"
    await seed_dashboard(database_url)
    async with running_service(folder, database_url, TOKEN) as base:
        yield base
