"""Signing in with e-mail and password: the cookie, the CSRF header, the throttle, and what
stops a session (sign-out, deactivation), long-polls included."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import AccountSession
from app.audit.models import AuditEntry
from app.escalation.models import Handoff
from tests.accounts.helpers import PASSWORD, cookie_only, make_account, sign_in
from tests.factories import fetch, make_handoff
from tests.security.world import assert_error_shape


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    client.cookies.clear()
    return response


async def test_signing_in_sets_a_safe_cookie_that_works_until_sign_out(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    agent = await make_account(session)
    await session.commit()

    response = await login(client, "  Ani@Toko.example ", PASSWORD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["agent"] == {"id": agent.id, "name": "Ani", "role": "agent"}
    assert len(body["csrf_token"]) >= 32
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # plain HTTP here; over HTTPS it is Secure
    headers = {"Cookie": f"router_session={response.cookies['router_session']}"}
    headers["X-CSRF-Token"] = body["csrf_token"]

    me = await client.get("/api/v1/auth/me", headers=headers)
    assert me.json() == {
        "kind": "agent",
        "agent": {"id": agent.id, "name": "Ani", "role": "agent"},
        "csrf_token": body["csrf_token"],
    }
    assert (await client.get("/api/v1/handoffs", headers=headers)).status_code == 200

    out = await client.post("/api/v1/auth/logout", headers=headers)
    assert out.status_code == 204
    assert "router_session=" in out.headers["set-cookie"]
    refused = await client.get("/api/v1/handoffs", headers=headers)
    assert refused.status_code == 401
    assert_error_shape(refused)
    assert (await session.scalars(select(AccountSession))).all() == []
    actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert actions == ["auth.login", "auth.logout"]


async def test_the_cookie_is_secure_over_https(app: FastAPI, session: AsyncSession) -> None:
    await make_account(session)
    await session.commit()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://router.example") as c:
        response = await c.post(
            "/api/v1/auth/login", json={"email": "ani@toko.example", "password": PASSWORD}
        )
    assert response.status_code == 200
    assert "secure" in response.headers["set-cookie"].lower()


async def test_wrong_password_and_unknown_email_are_indistinguishable(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_account(session)
    await make_account(session, name="Gone", email="gone@toko.example")
    await session.commit()
    await client.delete("/api/v1/agents/2", headers={"Authorization": "Bearer test-admin-token"})

    answers: dict[str, list[float]] = {}
    bodies = set()
    for label, email in (
        ("wrong password", "ani@toko.example"),
        ("unknown e-mail", "nobody@toko.example"),
        ("deactivated", "gone@toko.example"),
    ):
        for _ in range(3):
            started = time.perf_counter()
            response = await login(client, email, "not-the-password-1")
            answers.setdefault(label, []).append(time.perf_counter() - started)
            assert response.status_code == 401
            assert "set-cookie" not in response.headers
            bodies.add(response.text)
    assert bodies == {
        '{"error":{"code":"invalid_credentials","message":"wrong e-mail or password"}}'
    }
    # Same timing class: every one verifies a real argon2 hash (about 0.1 s). Without the
    # dummy hash, an unknown e-mail answers some 20 times faster than a wrong password.
    medians = {label: statistics.median(times) for label, times in answers.items()}
    slowest, fastest = max(medians.values()), min(medians.values())
    assert slowest < 3 * fastest, medians


async def test_a_cookie_without_the_csrf_header_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_account(session)
    await make_account(session, name="Admin", email="boss@toko.example", role="admin")
    handoff = await make_handoff(session)
    await session.commit()
    agent = await sign_in(client)
    admin = await sign_in(client, "boss@toko.example")

    for headers in (cookie_only(agent), {**cookie_only(agent), "X-CSRF-Token": "0" * 64}):
        refused = await client.post(f"/api/v1/handoffs/{handoff.id}/claim", headers=headers)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "csrf_failed"
    forged = [
        ("POST", "/api/v1/agents", {"name": "Mallory", "role": "admin"}),
        ("DELETE", "/api/v1/agents/1", None),
        ("POST", "/api/v1/auth/logout", None),
    ]
    for method, path, body in forged:
        response = await client.request(method, path, json=body, headers=cookie_only(admin))
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["code"] == "csrf_failed"
    assert (await fetch(app.state.sessionmaker, Handoff, handoff.id)).status == "waiting"
    listed = (await client.get("/api/v1/agents", headers=cookie_only(admin))).json()["items"]
    assert [(a["name"], a["active"]) for a in listed] == [("Ani", True), ("Admin", True)]
    # With the header, the same session may act.
    claimed = await client.post(f"/api/v1/handoffs/{handoff.id}/claim", headers=agent)
    assert claimed.status_code == 200, claimed.text


@pytest.mark.parametrize("how", ["sign-out", "deactivation"])
async def test_a_stopped_session_ends_its_long_polls_at_once(
    client: httpx.AsyncClient, session: AsyncSession, how: str
) -> None:
    agent = await make_account(session)
    handoff = await make_handoff(session)
    await session.commit()
    headers = await sign_in(client)
    polls = [
        asyncio.create_task(client.get(path, params=params, headers=headers))
        for path, params in (
            ("/api/v1/handoffs", {"wait": "20", "known": str(handoff.id)}),
            (f"/api/v1/handoffs/{handoff.id}/messages", {"wait": "20"}),
        )
    ]
    await asyncio.sleep(0.3)
    assert not any(poll.done() for poll in polls)
    if how == "sign-out":
        stopped = await client.post("/api/v1/auth/logout", headers=headers)
    else:
        admin = {"Authorization": "Bearer test-admin-token"}
        stopped = await client.delete(f"/api/v1/agents/{agent.id}", headers=admin)
    assert stopped.is_success, stopped.text
    async with asyncio.timeout(5):
        answers = await asyncio.gather(*polls)
    assert [a.status_code for a in answers] == [401, 401]
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401


async def test_a_session_expires(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await make_account(session)
    await session.commit()
    headers = await sign_in(client)
    row = (await session.scalars(select(AccountSession))).one()
    row.expires_at = row.created_at
    await session.commit()
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401


async def test_bearer_tokens_still_win_over_a_cookie(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_account(session)
    await session.commit()
    headers = await sign_in(client)
    admin = {**cookie_only(headers), "Authorization": "Bearer test-admin-token"}
    me = await client.get("/api/v1/auth/me", headers=admin)
    assert me.json()["kind"] == "admin"
    assert me.json()["csrf_token"] is None
    # No CSRF header needed with a bearer token (a browser cannot forge that header).
    created = await client.post("/api/v1/agents", json={"name": "Citra"}, headers=admin)
    assert created.status_code == 201
