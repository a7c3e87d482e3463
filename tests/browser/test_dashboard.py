"""The ops dashboard in a real headless chromium against the real service.

Runs once (not per database backend): it starts ``router serve`` on a temporary SQLite file
seeded with known conversations, types the admin token into the page, and checks that the
page shows the API's numbers without a single console error.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.db import create_engine, create_sessionmaker, utcnow
from app.migrate import upgrade
from app.types import Channel, ConversationStatus, EscalationReason, OutcomeKind
from tests.factories import make_conversation, make_handoff_record, make_inbound, make_outcome

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
TOKEN = "browser-admin-token"
ROOT = Path(__file__).resolve().parents[2]
GAP = "bisa bayar pakai paylater"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _seed(database_url: str) -> None:
    engine = create_engine(Settings(database_url=database_url))
    await upgrade(engine)
    async with create_sessionmaker(engine)() as session:
        day = utcnow() - timedelta(days=2)
        kinds = [OutcomeKind.deflected_confirmed] * 3 + [
            OutcomeKind.deflected_assumed,
            OutcomeKind.escalated,
            OutcomeKind.escalated,
            OutcomeKind.unresolved,
        ]
        for i, kind in enumerate(kinds):
            channel = Channel.whatsapp if i % 2 else Channel.webchat
            conversation = await make_conversation(
                session,
                channel=channel,
                status=ConversationStatus.closed,
                created_at=day + timedelta(minutes=i),
            )
            if kind is OutcomeKind.unresolved:
                await make_inbound(
                    session, conversation=conversation, text=GAP, understood_as="none"
                )
            await make_outcome(
                session,
                conversation=conversation,
                outcome=kind,
                reason=EscalationReason.button if kind is OutcomeKind.escalated else None,
                recorded_at=day + timedelta(minutes=i + 5),
            )
        waiting = await make_conversation(
            session, status=ConversationStatus.handoff, created_at=day + timedelta(hours=1)
        )
        await make_inbound(session, conversation=waiting, text=GAP, understood_as="none")
        await make_handoff_record(session, conversation=waiting, created_at=day)
        await session.commit()
    await engine.dispose()


@pytest.fixture
def chromium() -> str:
    pytest.importorskip("playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[str]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"
    await _seed(database_url)
    port = _free_port()
    env = {
        **os.environ,
        "ROUTER_DATABASE_URL": database_url,
        "ROUTER_ADMIN_TOKEN": TOKEN,
        "ROUTER_RUN_WORKERS": "false",
        "ROUTER_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                if server.poll() is not None:
                    break
                try:
                    if (await client.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                pytest.fail("the service did not start")
        if server.poll() is not None:
            pytest.fail("the service exited: " + (tmp_path / "server.log").read_text()[-2000:])
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


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
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = await browser.new_page()
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
            page = await browser.new_page()
            await page.goto(f"{service}/dashboard")
            await page.fill("#token", "not-the-token")
            await page.click("#token-form button[type=submit]")
            await page.wait_for_selector("#status.error")

            assert "refused" in (await page.text_content("#status") or "")
            assert await page.is_visible("#token-form")
            assert await page.evaluate("localStorage.getItem('router.adminToken')") is None
        finally:
            await browser.close()
