"""The help center as a reader walks it, in a real headless chromium: a search in slang
finds the direct answer, a vote is counted, "Butuh Bantuan Lebih Lanjut" opens the chat
with the article as context for the agent, and the widget searches the help center."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.browser.service import CHROMIUM_ARGS, chromium_path
from tests.helpcenter.conftest import ARTICLES
from tests.serve import running_service

pytestmark = pytest.mark.browser

TOKEN = "help-admin-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def chromium() -> str:
    return chromium_path()


@pytest.fixture(scope="module")
async def router(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    folder = tmp_path_factory.mktemp("help")
    database_url = f"sqlite+aiosqlite:///{folder / 'router.db'}"
    async with running_service(
        folder,
        database_url,
        TOKEN,
        # The activity buffer's flush is a worker: on, and quick, so the vote shows.
        ROUTER_RUN_WORKERS="true",
        ROUTER_HELP_FLUSH_INTERVAL_SECONDS="0.3",
        ROUTER_KB_SEMANTIC="false",
    ) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            r = await client.post("/api/v1/kb/import", json={"articles": ARTICLES}, headers=ADMIN)
            assert r.status_code == 200, r.text
        yield base


async def _browser(chromium: str) -> Any:
    from playwright.async_api import async_playwright

    playwright = await async_playwright().start()
    browser = await playwright.chromium.launch(
        executable_path=chromium, headless=True, args=CHROMIUM_ARGS
    )
    return playwright, browser


async def test_search_vote_and_escalate_with_context(chromium: str, router: str) -> None:
    from playwright.async_api import expect

    playwright, browser = await _browser(chromium)
    problems: list[str] = []
    try:
        page = await browser.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        await page.goto(f"{router}/help")
        await page.fill("[data-test=help-search] input[name=q]", "dana refund blm masuk kak")
        await expect(page.locator("[data-test=help-suggestion]").first).to_be_visible()
        await page.press("[data-test=help-search] input[name=q]", "Enter")
        answer = page.locator("[data-test=help-answer]")
        await expect(answer).to_contain_text("Kapan pengembalian dana masuk?")
        await answer.locator("a").first.click()
        await expect(page.locator("h1")).to_have_text("Kapan pengembalian dana masuk?")

        await page.click("[data-test=help-vote-yes]")
        await expect(page.locator(".vote .thanks")).to_be_visible()
        async with httpx.AsyncClient(base_url=router, headers=ADMIN) as client:
            for _ in range(50):
                stats = (await client.get("/api/v1/stats/help")).json()
                if stats["votes"]["helpful"] and stats["search_click_through"]:
                    break
                await asyncio.sleep(0.2)
            assert stats["votes"] == {"helpful": 1, "not_helpful": 0}
            assert stats["views"] == 1
            assert stats["searches"] == 1
            assert stats["search_click_through"] == 100.0

            await page.click("[data-test=help-escalate]")
            customer = page.locator("[data-test=chat-message][data-sender=customer]")
            await expect(customer.last).to_have_text("Butuh Bantuan Lebih Lanjut")
            await expect(page.locator("[data-test=chat-message]").last).to_contain_text(
                "tim layanan pelanggan"
            )
            (item,) = (await client.get("/api/v1/handoffs")).json()["items"]
            detail = (await client.get(f"/api/v1/handoffs/{item['id']}")).json()
        context = detail["transcript"][0]
        assert context["kind"] == "context"
        assert "Kapan pengembalian dana masuk?" in context["text"]
        assert "dana refund blm masuk kak" in context["text"]

        # Ops: a search that found nothing is on the dashboard, one click from a new article.
        await page.goto(f"{router}/help/search?q=jadwal+gerhana+bulan")
        await page.evaluate(f"localStorage.setItem('router.adminToken', '{TOKEN}')")
        await asyncio.sleep(1)  # the activity buffer's next flush
        await page.goto(f"{router}/dashboard")
        row = page.locator("[data-test=help-panel] [data-test=help-no-result]")
        await expect(row).to_contain_text("jadwal gerhana bulan", timeout=10_000)
        await row.locator("[data-test=help-new-article]").click()
        await expect(page.locator("[data-test=field-question]")).to_have_value(
            "jadwal gerhana bulan"
        )
    finally:
        await browser.close()
        await playwright.stop()
    assert problems == []


async def test_the_widget_searches_the_help_center(chromium: str, router: str) -> None:
    from playwright.async_api import expect

    playwright, browser = await _browser(chromium)
    try:
        page = await browser.new_page()
        await page.goto(f"{router}/chat")
        await page.fill("[data-test=widget-help-search]", "gmn kalo lupa password")
        result = page.locator("[data-test=widget-help-result]").first
        # The browser prefers English: the article's translation.
        await expect(result).to_contain_text("I forgot my password")
        assert (await result.get_attribute("href") or "").endswith("/help/a/lupa-kata-sandi")
    finally:
        await browser.close()
        await playwright.stop()
