"""Signing in with a password in a real headless chromium: an agent sets the password from
the setup link, signs in on /agent, signs out (the session is gone on the server too); an
admin then reads the failed attempt in the dashboard's audit log, and the KPI and help-center
panels fill for the signed-in admin as they do for the admin token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.accounts import PASSWORD, create_account, sign_in_with_password
from tests.browser.service import fresh_service, launched

pytestmark = pytest.mark.browser

TOKEN = "browser-admin-token"


@pytest.fixture
async def base(tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_service(tmp_path, TOKEN) as url:
        yield url


async def test_set_a_password_sign_in_and_sign_out(chromium: str, base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        created = await client.post(
            "/api/v1/agents",
            json={"name": "Ani", "email": "ani@toko.example"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    setup_url = created.json()["password_setup_url"]
    problems: list[str] = []
    async with launched(chromium) as browser:
        context = await browser.new_context(locale="id-ID")
        page = await context.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))

        await page.goto(setup_url)
        assert "token=" not in page.url  # dropped from the address bar (and history)
        await page.fill("[data-test=setup-password]", PASSWORD)
        await page.fill("[data-test=setup-again]", PASSWORD)
        await page.click("[data-test=setup-submit]")
        await expect(page.locator("[data-test=setup-message]")).to_have_text(
            "Kata sandi tersimpan. Silakan masuk."
        )

        await page.goto(f"{base}/agent")
        await page.fill("[data-test=login-email]", "ani@toko.example")
        await page.fill("[data-test=login-password]", "bukan-kata-sandinya")
        await page.click("[data-test=login-submit]")
        await expect(page.locator("#login-message")).to_have_text("E-mail atau kata sandi salah.")

        await sign_in_with_password(page, base, "ani@toko.example")
        await expect(page.locator("#who-name")).to_have_text("Ani")
        assert await page.evaluate("document.cookie") == ""  # HttpOnly: scripts never see it
        await page.reload()  # the session outlives a reload
        await page.wait_for_selector("#workspace:not([hidden])")

        cookies = {c["name"]: c["value"] for c in await context.cookies()}
        await page.click("#sign-out")
        await expect(page.locator("#login")).to_be_visible()
        me = await page.evaluate("fetch('/api/v1/auth/me').then(r => r.status)")
        assert me == 401
        # Revoked on the server: the old cookie, replayed, is refused too.
        async with httpx.AsyncClient(base_url=base, cookies=cookies) as client:
            assert (await client.get("/api/v1/auth/me")).status_code == 401
        await page.reload()
        await expect(page.locator("#login")).to_be_visible()

        # An admin reads on /dashboard who tried to sign in, and never the password typed.
        await create_account(base, TOKEN, name="Bos", email="bos@toko.example", role="admin")
        await sign_in_with_password(page, base, "bos@toko.example", path="/dashboard")
        failed = page.locator("[data-test=audit-row]", has_text="auth.login_failed")
        await expect(failed).to_have_count(1)
        await expect(failed).to_contain_text("ani@toko.example")
        assert "bukan-kata-sandinya" not in await page.content()
        # The panels other scripts add read with the session too, not only with a token.
        await expect(page.locator("[data-test=kpi-panel]")).to_contain_text("FCR")
        await expect(page.locator("[data-test=help-panel]")).to_be_visible()
        await context.close()
    assert problems == []
