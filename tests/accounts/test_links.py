"""Accounts as an admin manages them: e-mail and role on a new agent, the one-time password
links, role changes, and the audit entries they leave."""

from __future__ import annotations

import asyncio
import io
import logging
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import AccountSession, PasswordToken
from app.audit.models import AuditEntry
from app.auth import hash_token
from app.cli import main
from app.config import Settings
from app.db import create_engine, create_sessionmaker, utcnow
from app.escalation.models import Agent
from tests.accounts.helpers import make_account, sign_in
from tests.security.world import assert_error_shape

ADMIN = {"Authorization": "Bearer test-admin-token"}
NEW_PASSWORD = "rahasia-baru-sekali"


def _token(url: str) -> str:
    assert "/password-setup?token=" in url, url
    return url.split("token=", 1)[1]


async def _setup(client: httpx.AsyncClient, token: str, password: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/password-setup", json={"token": token, "password": password}
    )


async def test_a_new_account_sets_its_password_through_a_one_time_link(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = await client.post(
        "/api/v1/agents",
        json={"name": "Citra", "email": "Citra@Toko.example", "role": "supervisor"},
        headers=ADMIN,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["token"].startswith("agt_")
    token = _token(body["password_setup_url"])
    assert body["password_setup_url"].startswith("http://testserver/password-setup?token=")
    page = await client.get("/password-setup", params={"token": token})
    assert page.status_code == 200
    assert 'data-test="setup-password"' in page.text

    short = await _setup(client, token, "pendek")
    assert short.status_code == 422
    assert_error_shape(short)
    assert (await _setup(client, token, NEW_PASSWORD)).status_code == 204  # still usable
    again = await _setup(client, token, NEW_PASSWORD + "2")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_token"

    headers = await sign_in(client, "citra@toko.example", NEW_PASSWORD)
    me = (await client.get("/api/v1/auth/me", headers=headers)).json()
    assert me["agent"] == {"id": body["id"], "name": "Citra", "role": "supervisor"}
    # The token still works for integrations.
    assert (
        await client.get("/api/v1/handoffs", headers={"Authorization": f"Bearer {body['token']}"})
    ).is_success
    listed = (await client.get("/api/v1/agents", headers=ADMIN)).json()["items"]
    assert listed[0]["email"] == "citra@toko.example"
    assert listed[0]["role"] == "supervisor"
    stored = (await session.scalars(select(PasswordToken.token_hash))).all()
    assert token not in stored  # only its hash


async def test_a_reset_link_replaces_the_password_and_signs_out_everywhere(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    agent = await make_account(session)
    await session.commit()
    headers = await sign_in(client)
    first = await client.post(f"/api/v1/agents/{agent.id}/password-reset", headers=ADMIN)
    second = await client.post(f"/api/v1/agents/{agent.id}/password-reset", headers=ADMIN)
    assert first.status_code == second.status_code == 200
    # A newer link replaces an unused older one.
    assert (await _setup(client, _token(first.json()["url"]), NEW_PASSWORD)).status_code == 400
    assert (await _setup(client, _token(second.json()["url"]), NEW_PASSWORD)).status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401
    await sign_in(client, password=NEW_PASSWORD)
    actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert actions.count("agent.password_reset") == 2


async def test_an_expired_link_is_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    agent = await make_account(session)
    await session.commit()
    url = (await client.post(f"/api/v1/agents/{agent.id}/password-reset", headers=ADMIN)).json()
    await session.execute(update(PasswordToken).values(expires_at=utcnow()))
    await session.commit()
    expired = await _setup(client, _token(url["url"]), NEW_PASSWORD)
    assert expired.status_code == 400
    assert expired.json()["error"]["code"] == "invalid_token"
    unknown = await _setup(client, "not-a-token", NEW_PASSWORD)
    assert unknown.json()["error"]["code"] == "invalid_token"


async def test_account_mistakes_are_clear_4xx(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_account(session)
    await session.commit()
    taken = await client.post(
        "/api/v1/agents", json={"name": "Ani 2", "email": "ANI@toko.example"}, headers=ADMIN
    )
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "email_taken"
    for body in ({"name": "X", "email": "not-an-address"}, {"name": "X", "role": "owner"}):
        response = await client.post("/api/v1/agents", json=body, headers=ADMIN)
        assert response.status_code == 422, response.text
        assert_error_shape(response)
    tokenless = await client.post("/api/v1/agents", json={"name": "Token only"}, headers=ADMIN)
    assert tokenless.json()["password_setup_url"] is None
    no_mail = await client.post(
        f"/api/v1/agents/{tokenless.json()['id']}/password-reset", headers=ADMIN
    )
    assert no_mail.status_code == 422
    assert (
        await client.post("/api/v1/agents/999/password-reset", headers=ADMIN)
    ).status_code == 404


async def test_roles_decide_what_an_account_may_do(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ani = await make_account(session)
    await make_account(session, name="Sinta", email="sinta@toko.example", role="supervisor")
    await make_account(session, name="Bos", email="bos@toko.example", role="admin")
    await session.commit()
    agent = await sign_in(client)
    supervisor = await sign_in(client, "sinta@toko.example")
    admin = await sign_in(client, "bos@toko.example")
    reads = ["/api/v1/stats/self-service", "/api/v1/conversations", "/api/v1/stats/agents"]
    admin_only = ["/api/v1/agents", "/api/v1/kb/articles", "/api/v1/outbox"]
    for path in reads + admin_only:
        refused = await client.get(path, headers=agent)
        assert refused.status_code == 403, path
        assert refused.json()["error"]["code"] == "forbidden"
        expected = 200 if path in reads else 403
        assert (await client.get(path, headers=supervisor)).status_code == expected, path
        assert (await client.get(path, headers=admin)).status_code == 200, path
    assert (await client.get("/api/v1/handoffs", headers=agent)).status_code == 200

    promoted = await client.put(
        f"/api/v1/agents/{ani.id}/role", json={"role": "supervisor"}, headers=admin
    )
    assert promoted.json()["role"] == "supervisor"
    # The next request of the same session has the new role.
    assert (await client.get(reads[0], headers=agent)).status_code == 200
    entry = (
        await session.scalars(select(AuditEntry).where(AuditEntry.action == "agent.role_changed"))
    ).one()
    assert entry.target == f"agent:{ani.id}"
    assert entry.details == {"from": "agent", "to": "supervisor"}
    assert entry.actor.startswith("agent:")


async def test_passwords_never_reach_logs_responses_or_the_audit_log(
    client: httpx.AsyncClient, session: AsyncSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Sangat-Rahasia-123"
    wrong = "Salah-Tebak-456"
    texts: list[str] = []
    created = await client.post(
        "/api/v1/agents", json={"name": "Dewi", "email": "dewi@toko.example"}, headers=ADMIN
    )
    token = _token(created.json()["password_setup_url"])
    for response in (
        await _setup(client, token, "short"),
        await _setup(client, token, secret),
        await client.post(
            "/api/v1/auth/login", json={"email": "dewi@toko.example", "password": wrong}
        ),
        await client.post(
            "/api/v1/auth/login", json={"email": "x@toko.example", "password": wrong}
        ),
        await client.post(
            "/api/v1/auth/login", json={"email": "dewi@toko.example", "password": secret}
        ),
        await client.post("/api/v1/auth/login", json={"email": "dewi@toko.example", "password": 5}),
    ):
        texts.append(response.text + str(response.headers))
    entries = (await session.scalars(select(AuditEntry))).all()
    assert {e.action for e in entries} >= {"agent.created", "auth.login", "auth.login_failed"}
    audit = repr([(e.actor, e.action, e.target, e.details) for e in entries])
    stored = repr((await session.scalars(select(AccountSession.token_hash))).all())
    for password in (secret, wrong, "short"):
        assert password not in caplog.text
        assert password not in audit
        assert password not in stored
        assert not any(password in text for text in texts)


async def test_the_cli_creates_an_account_with_a_password_from_standard_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ROUTER_DATABASE_URL", url)
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    args = ["agents", "create", "Eka", "--email", "eka@toko.example", "--role", "admin", "--create"]
    await asyncio.to_thread(main, args)
    captured = capsys.readouterr()
    assert NEW_PASSWORD not in captured.out + captured.err
    engine = create_engine(Settings(database_url=url))
    try:
        async with create_sessionmaker(engine)() as session:
            agent = (await session.scalars(select(Agent))).one()
    finally:
        await engine.dispose()
    assert (agent.email, agent.role) == ("eka@toko.example", "admin")
    assert agent.password_hash is not None
    assert agent.password_hash.startswith("$argon2id$")
    assert agent.token_hash == hash_token(captured.out.strip().splitlines()[-1])

    monkeypatch.setattr("sys.stdin", io.StringIO("pendek\n"))
    with pytest.raises(SystemExit, match="at least 10"):
        await asyncio.to_thread(main, ["agents", "create", "Fajar", "--email", "f@toko.example"])
