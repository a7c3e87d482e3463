"""Service levels in a real headless chromium against the real service, on a phone and a
laptop: the SLA countdown on each /agent queue item (soonest due first, whatever the
queue's own order), and the dashboard's KPI and SLA panels with the policy editor.
Screenshots go to the test's temporary folder (``SLA_SCREENSHOTS`` names another)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.db import create_engine, create_sessionmaker, utcnow
from app.migrate import upgrade
from app.types import Channel, ConversationStatus, Sender
from tests.browser.service import CHROMIUM_ARGS
from tests.factories import make_contact, make_conversation, make_handoff, make_message
from tests.serve import running_service

pytestmark = pytest.mark.browser

TOKEN = "browser-sla-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
SIZES = {"phone": (390, 844), "laptop": (1280, 860)}


async def _seed(database_url: str, name: str, channel: Channel, minutes_ago: float) -> None:
    engine = create_engine(Settings(database_url=database_url))
    async with create_sessionmaker(engine)() as session:
        created = utcnow() - timedelta(minutes=minutes_ago)
        contact = await make_contact(
            session, channel=channel, display_name=name, last_inbound_at=created
        )
        conversation = await make_conversation(
            session, contact=contact, status=ConversationStatus.handoff, created_at=created
        )
        await make_message(
            session, conversation=conversation, sender=Sender.customer, text="pesanan saya?"
        )
        await make_handoff(session, conversation=conversation, now=created)
        await session.commit()
    await engine.dispose()


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[str]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"
    engine = create_engine(Settings(database_url=database_url))
    await upgrade(engine)
    await engine.dispose()
    async with running_service(tmp_path, database_url, TOKEN, ROUTER_KB_SEMANTIC="false") as base:
        async with httpx.AsyncClient(base_url=base, headers=ADMIN) as client:
            for body in (
                {"name": "WhatsApp 5 menit", "first_response_s": 300, "channels": ["whatsapp"]},
                {"name": "Web 30 menit", "first_response_s": 1800, "position": 1},
            ):
                created = await client.post(
                    "/api/v1/sla-policies", json={**body, "business_hours": False}
                )
                assert created.status_code == 201, created.text
        # The queue's order is by age: Sari (web, 10 min ago, 20 min left) before Dodi
        # (WhatsApp, 2 min ago, 3 min left). The SLA order puts Dodi first.
        await _seed(database_url, "Sari", Channel.webchat, 10)
        await _seed(database_url, "Dodi", Channel.whatsapp, 2)
        yield base


def _shots() -> Path:
    folder = Path(os.environ.get("SLA_SCREENSHOTS", "/tmp/sla-screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_countdown_in_the_queue_and_the_dashboard_panels(chromium: str, service: str) -> None:
    from playwright.async_api import async_playwright, expect

    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            for size, (width, height) in SIZES.items():
                context = await browser.new_context(
                    locale="id-ID", viewport={"width": width, "height": height}
                )
                page: Any = await context.new_page()
                page.on("pageerror", lambda error: problems.append(str(error)))
                page.on(
                    "console",
                    lambda m: problems.append(m.text) if m.type == "error" else None,
                )
                await page.goto(f"{service}/agent")
                await page.fill("[data-test=login-token]", TOKEN)
                await page.click("[data-test=login-submit]")
                items = page.locator("[data-test=queue-item]")
                await expect(items).to_have_count(2)
                names = [
                    (await items.nth(i).locator(".line1 span").first.text_content()) for i in (0, 1)
                ]
                assert names == ["Dodi", "Sari"]  # soonest due first
                first_due = items.nth(0).locator("[data-test=sla-due]")
                await expect(first_due).to_contain_text("SLA: sisa")
                before = await first_due.text_content()
                await page.wait_for_timeout(2100)
                assert await first_due.text_content() != before  # it ticks
                await page.screenshot(path=str(_shots() / f"agent-{size}.png"), full_page=True)

                await page.goto(f"{service}/dashboard")
                await page.fill("#token", TOKEN)
                await page.click("#token-form button[type=submit]")
                kpi = page.locator("[data-test=kpi-panel]")
                await expect(kpi.locator("[data-kpi=fcr]")).to_have_count(1)
                await expect(kpi.locator("[data-kpi-definition=nps]")).to_contain_text("promotor")
                sla = page.locator("[data-test=sla-panel]")
                await expect(sla.locator("#sl-compliance")).to_contain_text("WhatsApp 5 menit")
                await expect(sla.locator("#sl-policies")).to_contain_text("Web 30 menit")
                if size == "laptop":
                    await page.fill("[data-test=sla-policy-name]", "Instagram 1 jam")
                    await page.fill("[data-test=sla-policy-first]", "60")
                    await page.fill("[data-test=sla-policy-channels]", "instagram")
                    await page.click("[data-test=sla-policy-save]")
                    await expect(sla.locator("#sl-policies")).to_contain_text("Instagram 1 jam")
                await kpi.scroll_into_view_if_needed()
                await page.screenshot(path=str(_shots() / f"dashboard-{size}.png"), full_page=True)
                await context.close()
        finally:
            await browser.close()
    assert problems == []
    async with httpx.AsyncClient(base_url=service, headers=ADMIN) as client:
        listed = (await client.get("/api/v1/sla-policies")).json()["items"]
    added = {p["name"]: p for p in listed}["Instagram 1 jam"]
    assert (added["first_response_s"], added["channels"]) == (3600, ["instagram"])
    assert added["business_hours"] is True
