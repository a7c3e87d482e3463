"""Browser tests drive Debian's chromium through Playwright (never ``playwright install``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.service import CHROMIUM


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives a real headless chromium against a running service"
    )


@pytest.fixture
def chromium() -> str:
    pytest.importorskip("playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM
