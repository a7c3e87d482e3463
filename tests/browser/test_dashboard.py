"""The ops dashboard in a real headless chromium against the real service.

Runs once (not per database backend): it starts ``router serve`` on a temporary SQLite file
seeded with known conversations (``tests/browser/support.py``), types the admin token into
the page, and checks that the page shows the API's numbers without a single console error.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.service import CHROMIUM_ARGS
from tests.browser.support import GAP, TOKEN

pytestmark = pytest.mark.browser


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


async def test_dashboard_shows_the_api_numbers(chromium: str, service: str) -> None:
    from playwright.async_api import async_playwright, expect

    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=service, headers=headers) as client:
        stats: dict[str, Any] = (await client.get("/api/v1/stats/self-service")).json()
        agents: dict[str, Any] = (await client.get("/api/v1/stats/agents")).json()
    assert (stats["total"], stats["deflected"], stats["open"]) == (7, 4, 1)

    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            page = await browser.new_page(locale="id-ID")
            page.on(
                "console",
                lambda message: problems.append(message.text) if message.type == "error" else None,
            )
            page.on("pageerror", lambda error: problems.append(str(error)))

            await page.goto(f"{service}/dashboard")
            await page.fill("#token", TOKEN)
            await page.click("#token-form button[type=submit]")
            await expect(page.locator("#kpi-rate")).not_to_have_text("-")

            assert await page.text_content("#kpi-rate") == _percent(stats["self_service_rate"])
            assert await page.text_content("#kpi-rate") == "57.1%"
            assert await page.text_content("#kpi-total") == str(stats["total"])
            assert await page.text_content("#kpi-escalated") == str(stats["escalated"])
            assert await page.text_content("#kpi-open") == str(stats["open"])
            assert await page.text_content("#kpi-waiting") == str(agents["overall"]["waiting_now"])
            assert await page.text_content("#kpi-waiting") == "1"
            gaps = await page.text_content("#gaps-table tbody")
            assert gaps is not None
            assert GAP in gaps
            # Count, example, other wordings, the articles its customers confirmed (none).
            first_gap = page.locator("#gaps-table tbody tr").first.locator("td")
            assert await first_gap.count() == 4
            assert await first_gap.nth(3).text_content() == "-"
            assert await page.locator("#chart-series svg circle").count() >= 1
            assert await page.locator("#chart-channels svg rect").count() == len(
                stats["by_channel"]
            )

            # The token is remembered: a reload loads the numbers without asking again.
            await page.reload()
            await expect(page.locator("#kpi-rate")).not_to_have_text("-")
            assert await page.is_hidden("#token-form")
            assert await page.text_content("#kpi-rate") == "57.1%"
        finally:
            await browser.close()

    assert problems == []


async def test_a_wrong_token_is_reported_and_forgotten(chromium: str, service: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = await browser.new_page(locale="id-ID")
            await page.goto(f"{service}/dashboard")
            await page.fill("#token", "not-the-token")
            await page.click("#token-form button[type=submit]")
            await page.wait_for_selector("#status.error")

            assert "ditolak" in (await page.text_content("#status") or "")  # "refused"
            assert await page.is_visible("#token-form")
            assert await page.evaluate("localStorage.getItem('router.adminToken')") is None
        finally:
            await browser.close()
