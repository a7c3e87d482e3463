"""Browser tests drive Debian's chromium through Playwright (never ``playwright install``)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives a real headless chromium against a running service"
    )
