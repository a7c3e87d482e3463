"""The assist panel on /agent in a real chromium, on a phone and on a laptop: the summary
quotes the customer, drafts come from the KB and a colleague's past reply, and one click puts
a draft into the reply box (nothing is sent)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.migrate import upgrade
from tests.assist.support import ARTICLES, live_handoff, past_case
from tests.browser.service import CHROMIUM_ARGS
from tests.serve import running_service

pytestmark = pytest.mark.browser

TOKEN = "browser-admin-token"
PAST_REPLY = "Paket tertahan di gudang transit, kami sudah minta kurir mengantar besok."


async def _seed(database_url: str) -> None:
    engine = create_engine(Settings(database_url=database_url))
    async with create_sessionmaker(engine)() as session:
        await past_case(
            session, question="paket saya belum sampai sudah seminggu", reply=PAST_REPLY
        )
        await live_handoff(session, "halo kak", "paket saya belum sampai, sudah 6 hari")
        await session.commit()
    await engine.dispose()


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)], ids=["phone", "laptop"])
async def test_assist_panel_inserts_a_draft(
    chromium: str, tmp_path: Path, width: int, height: int
) -> None:
    from playwright.async_api import async_playwright, expect

    database_url = f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"
    engine = create_engine(Settings(database_url=database_url))
    await upgrade(engine)
    await engine.dispose()
    await _seed(database_url)
    problems: list[str] = []
    async with running_service(tmp_path, database_url, TOKEN, ROUTER_KB_SEMANTIC="false") as base:
        async with httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client:
            imported = await client.post(
                "/api/v1/kb/import", json={"mode": "upsert", "articles": ARTICLES}
            )
            assert imported.status_code == 200, imported.text
            token = (await client.post("/api/v1/agents", json={"name": "Ani"})).json()["token"]
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_ARGS
            )
            try:
                context = await browser.new_context(
                    locale="id-ID", viewport={"width": width, "height": height}
                )
                page = await context.new_page()
                page.on("pageerror", lambda error: problems.append(str(error)))
                await page.goto(f"{base}/agent")
                await page.fill("[data-test=login-token]", token)
                await page.click("[data-test=login-submit]")
                await page.click("[data-test=queue-item]")

                summary = page.locator("[data-test=assist-summary]")
                await expect(summary).to_contain_text("paket saya belum sampai, sudah 6 hari")
                await expect(summary).to_contain_text("Bot belum menjawab dari KB.")
                drafts = page.locator("[data-test=assist-draft]")
                past = drafts.filter(has_text="gudang transit")
                await expect(past).to_have_count(1)
                await expect(past).to_contain_text("Balasan agen sebelumnya")
                await past.scroll_into_view_if_needed()
                await page.screenshot(path=str(tmp_path / f"assist-{width}.png"), full_page=True)
                await past.click()
                await expect(page.locator("[data-test=reply-input]")).to_have_value(PAST_REPLY)
                box = await past.bounding_box()
                assert box is not None
                assert box["x"] >= 0
                assert box["x"] + box["width"] <= width  # no sideways scrolling on a phone
            finally:
                await browser.close()
    assert problems == []


async def test_kb_draft_is_edited_and_published_in_one_step(chromium: str, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    from tests.assist.test_kb_drafts import _gap

    database_url = f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"
    engine = create_engine(Settings(database_url=database_url))
    await upgrade(engine)
    async with create_sessionmaker(engine)() as session:
        await _gap(session)
    await engine.dispose()
    problems: list[str] = []
    async with running_service(tmp_path, database_url, TOKEN, ROUTER_KB_SEMANTIC="false") as base:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_ARGS
            )
            try:
                context = await browser.new_context(
                    locale="id-ID", viewport={"width": 390, "height": 844}
                )
                page = await context.new_page()
                page.on("pageerror", lambda error: problems.append(str(error)))
                await page.goto(f"{base}/kb")
                await page.fill("#token", TOKEN)
                await page.click("#token-form button[type=submit]")
                row = page.locator("[data-test=draft-row]")
                await expect(row).to_have_count(1)
                await expect(row.locator("textarea").first).to_have_value(
                    re.compile("hanya mengirim ke seluruh Indonesia")
                )
                await row.locator("textarea").first.fill("Kami baru mengirim ke seluruh Indonesia.")
                await row.scroll_into_view_if_needed()
                await page.screenshot(path=str(tmp_path / "kb-drafts.png"), full_page=True)
                await row.locator("[data-test=draft-publish]").click()
                await expect(row.locator("[data-test=draft-done]")).to_contain_text("Diterbitkan")
            finally:
                await browser.close()
        async with httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client:
            articles = (await client.get("/api/v1/kb/articles")).json()["items"]
    [article] = articles
    assert article["answer"] == "Kami baru mengirim ke seluruh Indonesia."
    assert len(article["variants"]) >= 2
    assert problems == []
