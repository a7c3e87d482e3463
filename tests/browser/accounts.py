"""Accounts for browser tests: make one with a password, and sign a page in with it
(reusable: any browser test that needs a signed-in agent, supervisor or admin)."""

from __future__ import annotations

from typing import Any

import httpx

PASSWORD = "kata-sandi-peramban-1"


async def create_account(
    base: str,
    admin_token: str,
    *,
    name: str,
    email: str,
    password: str = PASSWORD,
    role: str = "agent",
    **fields: Any,
) -> dict[str, Any]:
    """An account through the admin API, its password set through its setup link; the
    created body (``id``, ``token``, ``password_setup_url``). ``fields``: more of the body
    (``teams``, ``max_open``)."""
    async with httpx.AsyncClient(base_url=base) as client:
        created = await client.post(
            "/api/v1/agents",
            json={"name": name, "email": email, "role": role, **fields},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert created.status_code == 201, created.text
        body: dict[str, Any] = created.json()
        token = body["password_setup_url"].split("token=", 1)[1]
        setup = await client.post(
            "/api/v1/auth/password-setup", json={"token": token, "password": password}
        )
        assert setup.status_code == 204, setup.text
    return body


async def sign_in_with_password(
    page: Any, base: str, email: str, password: str = PASSWORD, *, path: str = "/agent"
) -> None:
    """Open ``path`` (``/agent``, ``/kb`` or ``/dashboard``) and sign in with the form."""
    await page.goto(f"{base}{path}")
    await page.fill("[data-test=login-email]", email)
    await page.fill("[data-test=login-password]", password)
    await page.click("[data-test=login-submit]")
    if path == "/agent":
        await page.wait_for_selector("#workspace:not([hidden])")
