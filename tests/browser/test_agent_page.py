"""The agent workspace in a real headless chromium against the real service.

Two agents in two browser contexts (one English, one Indonesian) and a web chat customer on
``/chat`` in a third: the handoff appears live and rings, both race to claim it, the winner
answers with a KB suggestion, the reply reaches the customer, the customer's next message
appears live, a send that fails keeps its text, resolve closes it. A second test covers the
WhatsApp window, a refused token, and an agent deactivated while signed in.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
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
from tests.routers.test_workspace import ARTICLES
from tests.serve import running_service

pytestmark = pytest.mark.browser

TOKEN = "browser-admin-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
REFUND = ARTICLES[0]  # "ajukan-refund"
# Only the page's own errors count: a refused request (the lost claim's 409, the aborted send)
# is logged by chromium as "Failed to load resource", which is what the test provokes.
EXPECTED_CONSOLE = re.compile(r"Failed to load resource")


@dataclass
class Service:
    base: str
    database_url: str
    tokens: dict[str, str]
    agent_ids: dict[str, int]


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"
    engine = create_engine(Settings(database_url=database_url))
    await upgrade(engine)
    await engine.dispose()
    async with running_service(tmp_path, database_url, TOKEN, ROUTER_KB_SEMANTIC="false") as base:
        async with httpx.AsyncClient(base_url=base, headers=ADMIN) as client:
            imported = await client.post(
                "/api/v1/kb/import", json={"mode": "upsert", "articles": [REFUND]}
            )
            assert imported.status_code == 200, imported.text
            tokens, ids = {}, {}
            for name in ("Ani", "Budi"):
                created = (await client.post("/api/v1/agents", json={"name": name})).json()
                tokens[name], ids[name] = created["token"], created["id"]
        yield Service(base, database_url, tokens, ids)


async def _seed_whatsapp(database_url: str, *, name: str, hours_ago: float) -> None:
    """A waiting WhatsApp handoff whose customer last wrote ``hours_ago`` hours ago."""
    engine = create_engine(Settings(database_url=database_url))
    async with create_sessionmaker(engine)() as session:
        written = utcnow() - timedelta(hours=hours_ago)
        contact = await make_contact(
            session, channel=Channel.whatsapp, display_name=name, last_inbound_at=written
        )
        conversation = await make_conversation(
            session, contact=contact, status=ConversationStatus.handoff, created_at=written
        )
        await make_message(
            session, conversation=conversation, sender=Sender.customer, text="paket belum sampai"
        )
        await make_handoff(session, conversation=conversation, now=written)
        await session.commit()
    await engine.dispose()


def _watch(page: Any, problems: list[str]) -> None:
    def console(message: Any) -> None:
        if message.type == "error" and not EXPECTED_CONSOLE.search(message.text):
            problems.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))


# Records the notifications the page shows, then shows them as the browser would.
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.shownNotifications = [];
  class Recorded extends Real {
    constructor(title, options) {
      window.shownNotifications.push(title + "|" + (options && options.body));
      super(title, options);
    }
  }
  Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
  window.Notification = Recorded;
})();
"""


async def _agent_page(
    browser: Any, base: str, token: str, locale: str, problems: list[str], notify: bool = False
) -> Any:
    context = await browser.new_context(
        locale=locale, permissions=["notifications"] if notify else []
    )
    if notify:
        await context.add_init_script(RECORD_NOTIFICATIONS)
    page = await context.new_page()
    _watch(page, problems)
    await page.goto(f"{base}/agent")
    await page.fill("[data-test=login-token]", token)
    await page.click("[data-test=login-submit]")
    await page.wait_for_selector("#workspace:not([hidden])")
    return page


async def test_two_agents_race_and_the_winner_answers(chromium: str, service: Service) -> None:
    from playwright.async_api import async_playwright, expect

    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            ani = await _agent_page(browser, service.base, service.tokens["Ani"], "en-US", problems)
            budi = await _agent_page(
                browser, service.base, service.tokens["Budi"], "id-ID", problems, notify=True
            )
            # Budi allowed notifications already: no button asks him again.
            await expect(budi.locator("#notify-on")).to_be_hidden()
            assert await ani.text_content("#who-name") == "Ani"
            assert await budi.text_content("[data-test=login-submit]") == "Masuk"
            await expect(budi.locator("#queue-empty")).to_have_text("Tidak ada yang menunggu.")
            await expect(ani.locator("#queue-empty")).to_have_text("Nobody is waiting.")

            customer = await (await browser.new_context(locale="id-ID")).new_page()
            _watch(customer, problems)
            await customer.goto(f"{service.base}/chat")
            await customer.fill("[data-test=chat-input]", "refund uang pesanan saya")
            await customer.click("[data-test=chat-send]")
            # The page's greeting, then the bot's answer.
            await expect(
                customer.locator("[data-test=chat-message][data-sender=bot]")
            ).to_have_count(2)
            await customer.fill("[data-test=chat-input]", "Butuh Bantuan Lebih Lanjut")
            await customer.click("[data-test=chat-send]")
            await expect(
                customer.locator("[data-test=chat-message][data-sender=bot]").last
            ).to_contain_text("antrean")

            # The queue is live on both pages, and the new handoff rang.
            for page in (ani, budi):
                await expect(page.locator("[data-test=queue-item]")).to_have_count(1)
                # The ring follows the queue's render: wait for it on a loaded machine.
                await page.wait_for_function("Agent.rings >= 1")
                assert await page.evaluate("Agent.rings") == 1
            await expect(budi).to_have_title("(1) Antrean")
            await budi.wait_for_function("window.shownNotifications.length >= 1")
            [note] = await budi.evaluate("window.shownNotifications")
            assert note.startswith("Pelanggan baru menunggu|wc_")
            assert note.endswith(": refund uang pesanan saya")
            await expect(ani).to_have_title("(1) Queue")
            item = budi.locator("[data-test=queue-item]")
            # Read while waiting: once claimed, the handoff leaves both pages' queues.
            handoff_id = int(await item.get_attribute("data-handoff-id") or 0)
            assert handoff_id > 0
            await expect(item).to_contain_text("refund uang pesanan saya")

            for page in (ani, budi):
                await page.click("[data-test=queue-item]")
                transcript = page.locator("[data-test=transcript] [data-test=transcript-item]")
                await expect(transcript.locator("xpath=.")).to_have_count(4)
                await expect(
                    page.locator("[data-test=transcript-item][data-sender=customer]")
                ).to_have_count(2)
                await expect(
                    page.locator("[data-test=suggestion][data-slug=ajukan-refund]")
                ).to_be_visible()
            # The bot's answer links its article.
            link = ani.locator("[data-sender=bot] a[href='https://example.com/help/refund']")
            await expect(link).to_have_count(1)

            await asyncio.gather(ani.click("[data-test=claim]"), budi.click("[data-test=claim]"))
            # A click returns once clicked, not once its claim is answered: wait for the holder.
            holder = None
            async with httpx.AsyncClient(base_url=service.base, headers=ADMIN) as client:
                for _ in range(100):
                    detail = (await client.get(f"/api/v1/handoffs/{handoff_id}")).json()
                    if (holder := detail["agent_name"]) is not None:
                        break
                    await asyncio.sleep(0.1)
            winner, loser = (ani, budi) if holder == "Ani" else (budi, ani)
            lost = "already claimed by Budi" if loser is ani else "Sudah diklaim oleh Ani"
            await expect(loser.locator("[data-test=notice]")).to_have_text(lost)
            await expect(loser.locator("[data-test=reply-input]")).to_be_disabled()
            await expect(winner.locator("[data-test=notice]")).to_be_hidden()
            await expect(winner.locator("[data-test=mine-item]")).to_have_count(1)
            await expect(winner.locator("[data-test=queue-item]")).to_have_count(0)

            # A suggestion goes into the reply box; Shift+Enter adds a line, Enter sends.
            box = winner.locator("[data-test=reply-input]")
            await winner.click("[data-test=suggestion][data-slug=ajukan-refund]")
            await expect(box).to_have_value(REFUND["answer"] + "\n" + REFUND["url"])
            await box.press("End")
            await box.press("Shift+Enter")
            await box.type("Salam, tim CS")
            agent_items = winner.locator("[data-test=transcript-item][data-sender=agent]")
            assert await agent_items.count() == 0
            await box.press("Enter")
            await expect(agent_items).to_have_count(1)
            await expect(box).to_have_value("")
            await expect(agent_items).to_contain_text("Salam, tim CS")
            await expect(
                customer.locator("[data-test=chat-message][data-sender=agent]")
            ).to_contain_text(REFUND["answer"], timeout=10_000)

            # The customer's next message appears live on both agents' pages.
            await customer.fill("[data-test=chat-input]", "oke saya coba dulu ya")
            await customer.click("[data-test=chat-send]")
            for page in (winner, loser):
                await expect(
                    page.locator("[data-test=transcript-item][data-sender=customer]").last
                ).to_contain_text("oke saya coba dulu ya", timeout=5_000)

            # A send that fails keeps its text.
            posts = re.compile(r"/api/v1/handoffs/\d+/messages$")

            async def refuse(route: Any) -> None:
                await route.abort()

            await winner.route(posts, refuse)
            await box.fill("pesan yang gagal")
            await box.press("Enter")
            await expect(winner.locator("[data-test=notice]")).to_be_visible()
            await expect(box).to_have_value("pesan yang gagal")
            await winner.unroute(posts)
            await expect(winner.locator("[data-test=send]")).to_be_enabled()
            await box.press("Enter")
            await expect(box).to_have_value("")
            await expect(agent_items).to_have_count(2)

            await winner.click("[data-test=resolve]")
            await expect(winner.locator("[data-test=mine-item]")).to_have_count(0)
            await expect(box).to_be_disabled()
            await expect(winner.locator("[data-test=resolve]")).to_be_hidden()
            await expect(
                customer.locator("[data-test=chat-message][data-sender=system]")
            ).to_have_count(1, timeout=10_000)
            done = "Resolved" if loser is ani else "Selesai"
            await expect(loser.locator("#conv-state")).to_have_text(done, timeout=5_000)
        finally:
            await browser.close()
    assert problems == []


async def test_window_closed_refused_and_deactivated_tokens(
    chromium: str, service: Service
) -> None:
    from playwright.async_api import async_playwright, expect

    await _seed_whatsapp(service.database_url, name="Wati", hours_ago=25)
    await _seed_whatsapp(service.database_url, name="Yuni", hours_ago=1.5)
    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = await (await browser.new_context(locale="id-ID")).new_page()
            _watch(page, problems)
            await page.goto(f"{service.base}/agent")
            await page.fill("[data-test=login-token]", "agt_not-a-token")
            await page.click("[data-test=login-submit]")
            await expect(page.locator("#login-message")).to_have_text(
                "Token ditolak. Periksa lalu coba lagi."
            )
            assert await page.evaluate("localStorage.getItem('router.agentToken')") is None

            await page.fill("[data-test=login-token]", service.tokens["Ani"])
            await page.click("[data-test=login-submit]")
            await expect(page.locator("[data-test=queue-item]")).to_have_count(2)
            await expect(page).to_have_title("(2) Antrean")
            # The token is remembered across a reload.
            await page.reload()
            await expect(page.locator("[data-test=queue-item]")).to_have_count(2)

            await page.locator("[data-test=queue-item]", has_text="Yuni").click()
            await expect(page.locator("#conv-state")).to_contain_text(
                "Jendela WhatsApp: sisa 22 jam"
            )
            await expect(page.locator("[data-test=window-closed]")).to_be_hidden()

            await page.locator("[data-test=queue-item]", has_text="Wati").click()
            await expect(page.locator("#conv-name")).to_have_text("Wati")
            closed = page.locator("[data-test=window-closed]")
            await expect(closed).to_be_visible()
            await expect(closed).to_contain_text("24 jam")
            await page.click("[data-test=claim]")
            await expect(page.locator("[data-test=mine-item]")).to_have_count(1)
            await expect(page.locator("[data-test=reply-input]")).to_be_disabled()
            await expect(page.locator("[data-test=send]")).to_be_disabled()

            # Deactivated while signed in: the page signs out and says why.
            async with httpx.AsyncClient(base_url=service.base, headers=ADMIN) as client:
                gone = await client.delete(f"/api/v1/agents/{service.agent_ids['Ani']}")
                assert gone.status_code == 200, gone.text
            # Its waiting long-polls answer 401 at once: not when their 25 s wait ends.
            await expect(page.locator("#login")).to_be_visible(timeout=5_000)
            await expect(page.locator("#login-message")).to_contain_text("tidak berlaku lagi")
            assert await page.evaluate("localStorage.getItem('router.agentToken')") is None
            assert await page.title() == "Antrean"
        finally:
            await browser.close()
    assert problems == []


MEDIA_ITEMS = """[
  {"id": 901, "sender": "customer", "created_at": "2026-01-05T08:00:00Z", "kind": "image",
   "text": "struk transfer", "caption": "struk transfer",
   "media": {"id": "m1", "mime_type": "image/png", "filename": "struk.png"}, "location": null},
  {"id": 902, "sender": "customer", "created_at": "2026-01-05T08:01:00Z", "kind": "audio",
   "text": null, "caption": null,
   "media": {"id": "m2", "mime_type": "audio/ogg", "filename": null}, "location": null},
  {"id": 903, "sender": "customer", "created_at": "2026-01-05T08:02:00Z", "kind": "location",
   "text": null, "caption": null, "media": null,
   "location": {"latitude": -6.2, "longitude": 106.8, "name": "Kantor", "address": "Jl. Sudirman"}},
  {"id": 904, "sender": "customer", "created_at": "2026-01-05T08:03:00Z", "text": "teks biasa"},
  {"id": 905, "sender": "customer", "created_at": "2026-01-05T08:04:00Z", "kind": "document",
   "text": null, "caption": null, "location": null,
   "media": {"id": "m5", "mime_type": "application/pdf", "filename": "invoice.pdf"}}
]"""
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


async def test_media_and_location_items_are_labelled(chromium: str, service: Service) -> None:
    """Transcript items with the channels' fields (kind, caption, media, location) render as
    labelled items; a media item's file is fetched with the agent's token."""
    from playwright.async_api import async_playwright, expect

    await _seed_whatsapp(service.database_url, name="Wati", hours_ago=1)
    problems: list[str] = []
    fetched: list[dict[str, str]] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = await _agent_page(
                browser, service.base, service.tokens["Budi"], "id-ID", problems
            )

            async def media(route: Any) -> None:
                fetched.append({"url": route.request.url, **route.request.headers})
                pdf = route.request.url.endswith("/905")
                body, content_type = (b"%PDF-1.4", "application/pdf") if pdf else (PNG, "image/png")
                await route.fulfill(status=200, body=body, content_type=content_type)

            await page.route("**/api/v1/media/*", media)
            await page.click("[data-test=queue-item]")
            await expect(page.locator("[data-test=transcript-item]")).to_have_count(1)
            # Until the channels' fields arrive from the server, the page is given such items.
            await page.evaluate(
                "items => items.forEach(i => document.getElementById('transcript')"
                ".appendChild(Agent.renderItem(i)))",
                json.loads(MEDIA_ITEMS),
            )
            items = page.locator("[data-test=transcript-item]")
            await expect(items).to_have_count(6)
            await expect(items.nth(1)).to_contain_text("[Foto]")
            await expect(items.nth(1)).to_contain_text("struk transfer")
            await expect(items.nth(2)).to_contain_text("[Pesan suara]")
            await expect(items.nth(3)).to_contain_text("[Lokasi]")
            maps = items.nth(3).locator("a")
            await expect(maps).to_have_text("Kantor")
            assert "query=-6.2%2C106.8" in (await maps.get_attribute("href") or "")
            await expect(items.nth(4)).to_have_text(re.compile(r"teks biasa$"))
            assert await items.nth(4).locator("strong, button").count() == 0

            await expect(items.nth(5)).to_contain_text("[Dokumen]")

            # A photo is shown in place; a document is saved under its name.
            await items.nth(1).locator("button").click()
            picture = items.nth(1).locator("img")
            await expect(picture).to_have_count(1)
            assert (await picture.get_attribute("src") or "").startswith("blob:")
            async with page.expect_download() as download:
                await items.nth(5).locator("button").click()
            assert (await download.value).suggested_filename == "invoice.pdf"
            assert [f["url"].rsplit("/", 1)[1] for f in fetched] == ["901", "905"]
            for request in fetched:
                assert request["authorization"] == f"Bearer {service.tokens['Budi']}"
        finally:
            await browser.close()
    assert problems == []
