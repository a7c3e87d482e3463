"""The dashboard's KB readiness line in a real headless chromium against the real service
(``router serve`` with its default encoder): it says when the bot matches by meaning."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.service import CHROMIUM_ARGS
from tests.browser.support import TOKEN
from tests.kb.test_semantic import KB_ARTICLES

pytestmark = pytest.mark.browser


async def test_the_dashboard_shows_when_matching_by_meaning_is_ready(
    chromium: str, service: str
) -> None:
    from playwright.async_api import async_playwright, expect

    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=service, headers=headers, timeout=30) as client:
        r = await client.post("/api/v1/kb/import", json={"articles": KB_ARTICLES})
        assert r.status_code == 200, r.text
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = await browser.new_page(locale="id-ID")
            page.on("pageerror", lambda error: problems.append(str(error)))
            await page.goto(f"{service}/dashboard")
            line = page.locator("[data-test=kb-status]")
            assert await line.is_hidden()  # no token yet: nothing to show
            await page.fill("#token", TOKEN)
            await page.click("#token-form button[type=submit]")
            # Ready once the vectors are there (the page polls while they are computed).
            await expect(line).to_have_attribute("data-ready", "true", timeout=60_000)
            text = await line.text_content()
            assert text is not None
            async with httpx.AsyncClient(base_url=service, headers=headers) as client:
                status = (await client.get("/api/v1/kb/status")).json()
            assert status["semantic_ready"]
            if status["models"]:  # an encoder wheel on this platform
                assert text.startswith("Pencocokan makna: siap")
                assert f"{status['phrasings']} frasa" in text
            else:
                assert text.startswith("Pencocokan hanya lewat kata")
        finally:
            await browser.close()
    assert problems == []
