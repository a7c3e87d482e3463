"""The sign-in throttle: failed attempts per e-mail and per client address."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEntry
from app.config import Settings
from tests.accounts.helpers import PASSWORD, make_account
from tests.accounts.test_signin import login
from tests.conftest import make_settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, login_failures_per_email=3, login_failures_per_ip=6)


async def test_repeated_failures_are_throttled_per_email_and_per_address(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_account(session)
    await make_account(session, name="Budi", email="budi@toko.example")
    await session.commit()
    for _ in range(3):
        assert (await login(client, "ani@toko.example", "wrong-password-1")).status_code == 401
    # Spent: even the right password waits now, and learns nothing.
    throttled = await login(client, "ani@toko.example", PASSWORD)
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "too_many_attempts"
    assert int(throttled.headers["retry-after"]) > 0
    # Another account from the same address still signs in: the address has 3 left.
    assert (await login(client, "budi@toko.example", PASSWORD)).status_code == 200
    for n in range(3):
        assert (await login(client, f"x{n}@toko.example", "wrong-password-1")).status_code == 401
    refused = await login(client, "budi@toko.example", PASSWORD)
    assert refused.status_code == 429
    failed = (
        await session.scalars(
            select(AuditEntry.actor).where(AuditEntry.action == "auth.login_failed")
        )
    ).all()
    assert len(failed) == 6  # refused attempts are not checked, so not failures either
    assert "ani@toko.example" in failed
