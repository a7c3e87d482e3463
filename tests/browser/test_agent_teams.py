"""The team's workday on the agent page, in headless chromium against a running service: the
queue filtered by team, a canned reply with the customer's name, a private note the web chat
customer never sees, a transfer to another team, and presence (online on sign-in, offline on
sign-out)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.migrate import upgrade
from app.teams.routing import RoutingPolicy
from app.types import Channel, Sender
from tests.browser.service import CHROMIUM_ARGS
from tests.browser.test_agent_page import _watch
from tests.factories import make_contact, make_conversation, make_handoff, make_message
from tests.serve import running_service

pytestmark = pytest.mark.browser

TOKEN = "browser-admin-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
NOTE = "Catatan rahasia: pelanggan VIP"


@dataclass
class Service:
    base: str
    token: str
    teams: dict[str, int]


async def _seed_shipping(database_url: str) -> None:
    """A waiting handoff in the Pengiriman team, from a WhatsApp customer named Sari."""
    engine = create_engine(Settings(database_url=database_url))
    async with create_sessionmaker(engine)() as session, session.begin():
        contact = await make_contact(session, channel=Channel.whatsapp, display_name="Sari")
        conversation = await make_conversation(session, contact=contact)
        await make_message(
            session, conversation=conversation, sender=Sender.customer, text="paket belum sampai"
        )
        await make_handoff(
            session, conversation=conversation, routing=RoutingPolicy(default_team="Pengiriman")
        )
    await engine.dispose()


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"
    engine = create_engine(Settings(database_url=database_url))
    await upgrade(engine)
    await engine.dispose()
    env = {"ROUTER_KB_SEMANTIC": "false", "ROUTER_DEFAULT_TEAM": "Billing"}
    async with running_service(tmp_path, database_url, TOKEN, **env) as base:
        async with httpx.AsyncClient(base_url=base, headers=ADMIN) as client:
            teams = {}
            for name in ("Billing", "Pengiriman"):
                created = await client.post("/api/v1/teams", json={"name": name})
                assert created.status_code == 201, created.text
                teams[name] = created.json()["id"]
            agent = await client.post(
                "/api/v1/agents", json={"name": "Ani", "teams": [teams["Billing"]]}
            )
            canned = await client.post(
                "/api/v1/canned-responses",
                json={"shortcut": "salam", "text": "Halo {name}, kami bantu cek.", "shared": True},
            )
            assert canned.status_code == 201, canned.text
        await _seed_shipping(database_url)
        yield Service(base, agent.json()["token"], teams)


async def _status_of_ani(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, headers=ADMIN) as client:
        [ani] = (await client.get("/api/v1/agents")).json()["items"]
        return str(ani["status"])


async def _wait_for_status(base: str, wanted: str) -> None:
    for _ in range(100):
        if await _status_of_ani(base) == wanted:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"Ani never became {wanted}: {await _status_of_ani(base)}")


async def test_filter_canned_note_transfer_and_presence(chromium: str, service: Service) -> None:
    from playwright.async_api import async_playwright, expect

    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            customer: Any = await (await browser.new_context(locale="id-ID")).new_page()
            _watch(customer, problems)
            await customer.goto(f"{service.base}/chat")
            await customer.fill("[data-test=chat-input]", "Butuh Bantuan Lebih Lanjut")
            await customer.click("[data-test=chat-send]")
            await expect(
                customer.locator("[data-test=chat-message][data-sender=bot]").last
            ).to_contain_text("antrean")

            page: Any = await (await browser.new_context(locale="id-ID")).new_page()
            _watch(page, problems)
            await page.goto(f"{service.base}/agent")
            await page.fill("[data-test=login-token]", service.token)
            await page.click("[data-test=login-submit]")
            await expect(page.locator("[data-test=presence]")).to_have_value("online")
            await _wait_for_status(service.base, "online")

            # Both teams' handoffs, Ani's team (Billing) first; then only Pengiriman's.
            items = page.locator("[data-test=queue-item]")
            await expect(items).to_have_count(2)
            await expect(items.first.locator("[data-test=queue-team]")).to_have_text("Billing")
            await page.select_option("[data-test=team-filter]", str(service.teams["Pengiriman"]))
            await expect(items).to_have_count(1)
            await expect(items.first).to_contain_text("Sari")
            await page.select_option("[data-test=team-filter]", str(service.teams["Billing"]))
            await expect(items).to_have_count(1)
            await expect(items.first.locator("[data-test=queue-team]")).to_have_text("Billing")

            await items.first.click()
            await expect(page.locator("[data-test=conv-team]")).to_have_text("Tim: Billing")
            await page.click("[data-test=claim]")
            await expect(page.locator("[data-test=mine-item]")).to_have_count(1)

            # A private note: in the agent's transcript, never at the customer's.
            box = page.locator("[data-test=reply-input]")
            await box.fill(NOTE)
            await page.click("[data-test=note]")
            note = page.locator("[data-test=transcript-item][data-sender=note]")
            await expect(note).to_contain_text(NOTE)
            await expect(box).to_have_value("")

            # "/sal" offers the shared reply; Enter takes it, with the customer's name.
            await box.type("/sal")
            menu = page.locator("[data-test=canned-menu]")
            await expect(menu).to_be_visible()
            await expect(menu.locator("[data-test=canned-item]")).to_have_count(1)
            await box.press("Enter")
            await expect(box).to_have_value("Halo Kak, kami bantu cek.")
            await expect(menu).to_be_hidden()
            await box.press("Enter")
            agent_says = customer.locator("[data-test=chat-message][data-sender=agent]")
            await expect(agent_says).to_contain_text("Halo Kak, kami bantu cek.", timeout=10_000)
            # The reply came after the note, and the note is nowhere on the customer's page.
            assert NOTE not in (await customer.content())
            await customer.reload()
            await expect(agent_says).to_have_count(1, timeout=10_000)
            assert NOTE not in (await customer.content())

            # Transfer to Pengiriman: out of Ani's hands, into that team's queue.
            target = f"team:{service.teams['Pengiriman']}"
            await page.select_option("[data-test=transfer-target]", target)
            await page.click("[data-test=transfer]")
            await expect(page.locator("[data-test=conv-team]")).to_have_text("Tim: Pengiriman")
            await expect(page.locator("[data-test=mine-item]")).to_have_count(0)
            await page.select_option("[data-test=team-filter]", str(service.teams["Pengiriman"]))
            await expect(items).to_have_count(2)

            await page.click("#sign-out")
            await expect(page.locator("#login")).to_be_visible()
            await _wait_for_status(service.base, "offline")
        finally:
            await browser.close()
    assert problems == []


async def test_presence_follows_the_page(chromium: str, tmp_path: Path) -> None:
    """Online when the page opens, away when idle, online again on a movement, offline
    when the tab closes."""
    from playwright.async_api import async_playwright

    database_url = f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"
    engine = create_engine(Settings(database_url=database_url))
    await upgrade(engine)
    await engine.dispose()
    env = {"ROUTER_AGENT_IDLE_MINUTES": "0.08", "ROUTER_AGENT_HEARTBEAT_SECONDS": "0.5"}
    async with running_service(tmp_path, database_url, TOKEN, **env) as base:
        async with httpx.AsyncClient(base_url=base, headers=ADMIN) as client:
            token = (await client.post("/api/v1/agents", json={"name": "Ani"})).json()["token"]
        problems: list[str] = []
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_ARGS
            )
            try:
                page: Any = await (await browser.new_context(locale="id-ID")).new_page()
                _watch(page, problems)
                await page.goto(f"{base}/agent")
                await page.fill("[data-test=login-token]", token)
                await page.click("[data-test=login-submit]")
                await _wait_for_status(base, "online")
                await _wait_for_status(base, "away")  # 4.8 s without a movement
                await page.mouse.move(200, 200)
                await page.mouse.move(220, 240)
                await _wait_for_status(base, "online")
                await page.close(run_before_unload=True)
                await _wait_for_status(base, "offline")
            finally:
                await browser.close()
        assert problems == []
