"""The web chat widget on a business's own site, in a real headless chromium.

A second local HTTP server plays the shop: its page (on another origin than the router, and
with styles hostile to anything it hosts) carries the one script tag. The visitor asks, gets
an answer with a link, reloads, escalates, reads the agent's reply with the agent's name and
rates it; the router allows that origin's preflight and no other.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.bot.kb_fixture import load_test_kb
from tests.browser.service import CHROMIUM_ARGS, chromium_path
from tests.serve import free_port, running_service

pytestmark = pytest.mark.browser

TOKEN = "widget-admin-token"
QUESTION = "Bagaimana cara mengajukan pengembalian dana (refund)?"
ARTICLE_URL = "https://help.example.test/refund"
AGENT_TEXT = "Halo Kak, refund Kakak sudah kami proses hari ini."
SHOP_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Toko Sari</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body {{ margin: 0; font: 18px Georgia, serif; color: rgb(51, 51, 51); background: #fffaf0; }}
  h1 {{ color: rgb(120, 40, 0); padding: 24px; }}
  /* Hostile to guests: none of this may reach inside the widget. */
  button {{ display: none !important; }}
  div {{ border: 3px dashed red !important; }}
  a {{ color: lime !important; }}
</style></head>
<body><h1 id="shop">Toko Sari: batik tulis</h1><p>Koleksi terbaru kami.</p>
<script src="{router}/widget.js" data-title="Toko Sari" data-color="#7a2e0b"
  data-greeting="Halo! Ada yang bisa Toko Sari bantu?" data-lang="id" defer></script>
</body></html>"""


class _ShopHandler(BaseHTTPRequestHandler):
    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        return


@pytest.fixture
def chromium() -> str:
    return chromium_path()


@pytest.fixture(scope="module")
def shop_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def shop_origin(shop_port: int) -> str:
    # "localhost" against the router's "127.0.0.1", and another port: another origin.
    return f"http://localhost:{shop_port}"


@pytest.fixture(scope="module")
async def router(tmp_path_factory: pytest.TempPathFactory, shop_origin: str) -> AsyncIterator[str]:
    """One service for the module: the preflight test only asks it for headers."""
    folder = tmp_path_factory.mktemp("widget")
    database_url = f"sqlite+aiosqlite:///{folder / 'router.db'}"
    async with running_service(
        folder, database_url, TOKEN, ROUTER_WEBCHAT_ALLOWED_ORIGINS=shop_origin
    ) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            await load_test_kb(client, {"Authorization": f"Bearer {TOKEN}"})
        yield base


@pytest.fixture
def shop(router: str, shop_port: int, shop_origin: str) -> Iterator[str]:
    handler = type("Shop", (_ShopHandler,), {"page": SHOP_PAGE.format(router=router).encode()})
    server = ThreadingHTTPServer(("127.0.0.1", shop_port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield shop_origin
    finally:
        server.shutdown()
        server.server_close()


async def _agent_takes_over(client: httpx.AsyncClient) -> str:
    """An agent "Dewi" claims the waiting handoff and replies; the handoff's URL."""
    admin = {"Authorization": f"Bearer {TOKEN}"}
    agent = (await client.post("/api/v1/agents", json={"name": "Dewi"}, headers=admin)).json()
    client.headers["Authorization"] = f"Bearer {agent['token']}"
    (item,) = (await client.get("/api/v1/handoffs")).json()["items"]
    url = f"/api/v1/handoffs/{item['id']}"
    assert (await client.post(f"{url}/claim")).status_code == 200
    assert (await client.post(f"{url}/messages", json={"text": AGENT_TEXT})).status_code == 202
    return url


async def test_widget_on_another_origin(chromium: str, router: str, shop: str) -> None:
    from playwright.async_api import async_playwright, expect

    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = await browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            await page.goto(shop)
            # Playwright's CSS selectors reach into the open shadow root.
            messages = page.locator("[data-test=chat-message]")
            bubble = page.locator("[data-test=chat-bubble]")
            await expect(bubble).to_be_visible()
            await expect(page.locator("[data-test=chat-input]")).to_be_hidden()
            await bubble.click()
            await expect(messages.first).to_contain_text("Ada yang bisa Toko Sari bantu?")

            await page.fill("[data-test=chat-input]", QUESTION)
            await page.click("[data-test=chat-send]")
            answer = page.locator("[data-test=chat-message][data-sender=bot]").nth(1)
            await expect(answer).to_contain_text("Ajukan Pengembalian Dana")
            link = answer.locator(f'a[href="{ARTICLE_URL}"]')
            await expect(link).to_have_attribute("target", "_blank")
            await expect(answer.locator("[data-test=chat-button]")).to_have_count(3)
            # The host page's "a { color: lime !important }" does not reach the link.
            assert await link.evaluate("a => getComputedStyle(a).color") != "rgb(0, 255, 0)"
            shop_title = page.locator("#shop")
            assert await shop_title.evaluate("h => getComputedStyle(h).color") == "rgb(120, 40, 0)"

            # A reload restores the chat from the API; no greeting is added to it.
            await page.reload()
            await page.locator("[data-test=chat-bubble]").click()
            customer = page.locator("[data-test=chat-message][data-sender=customer]")
            await expect(customer).to_have_count(1)
            await expect(customer).to_have_text(QUESTION)
            restored = page.locator("[data-test=chat-message][data-sender=bot]")
            await expect(restored).to_have_count(1)
            await expect(restored.locator(f'a[href="{ARTICLE_URL}"]')).to_have_count(1)

            await page.click("[data-test=chat-button][data-id=escalate]")
            await expect(messages.last).to_contain_text("tim layanan pelanggan")
            await expect(customer.last).to_have_text("Butuh Bantuan Lebih Lanjut")

            async with httpx.AsyncClient(base_url=router) as agent_client:
                handoff_url = await _agent_takes_over(agent_client)
                agent_reply = page.locator("[data-test=chat-message][data-sender=agent]")
                await expect(agent_reply).to_contain_text(AGENT_TEXT, timeout=10_000)
                await expect(agent_reply).to_contain_text("Dewi")

                assert (await agent_client.post(f"{handoff_url}/resolve")).status_code == 200
                five = page.locator("[data-test=chat-button][data-id='csat:5']")
                await expect(five).to_be_visible(timeout=10_000)
                await expect(
                    page.locator("[data-test=chat-button][data-id^='csat:']")
                ).to_have_count(5)
                await five.click()
                await expect(messages.last).to_contain_text("Terima kasih atas penilaiannya")
                await page.fill("[data-test=chat-input]", "Mbak Dewi cepat dan ramah sekali")
                await page.click("[data-test=chat-send]")
                await expect(messages.last).to_contain_text("masukan Kakak")
                detail = (await agent_client.get(handoff_url)).json()
            assert (detail["csat_score"], detail["csat_comment"]) == (
                5,
                "Mbak Dewi cepat dan ramah sekali",
            )
        finally:
            await browser.close()
    assert problems == []


async def test_preflight_allows_only_the_listed_origin(router: str, shop_origin: str) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    async with httpx.AsyncClient(base_url=router) as client:
        allowed = await client.options(
            "/api/v1/webchat/messages", headers={**preflight, "Origin": shop_origin}
        )
        refused = await client.options(
            "/api/v1/webchat/messages", headers={**preflight, "Origin": "https://evil.example"}
        )
        created = await client.post(
            "/api/v1/webchat/sessions", json={}, headers={"Origin": "https://evil.example"}
        )
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == shop_origin
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert refused.status_code == 403
    assert not [h for h in refused.headers if h.startswith("access-control-")]
    # The server answers (a browser would hide the answer from the page): no CORS headers.
    assert "access-control-allow-origin" not in created.headers
