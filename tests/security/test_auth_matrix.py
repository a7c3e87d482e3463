"""Every route's authentication, as a matrix: no token, wrong tokens, a customer's web chat
token, an agent token, a supervisor's, the admin token, agent and admin accounts signed in
with a session cookie (with and without the CSRF header), and, for webhooks, the platform
signature.

The table below classifies every (method, path) of the app; a new route without a row fails
``test_every_route_is_classified``, so nobody ships an endpoint whose access nobody decided.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.main import create_app
from tests.factories import bearer
from tests.security.conftest import (
    CW_SECRET,
    IG_SECRET,
    IG_VERIFY,
    MS_SECRET,
    MS_VERIFY,
    WA_SECRET,
    WA_VERIFY,
)
from tests.security.world import (
    ADMIN,
    World,
    article_body,
    assert_error_shape,
    make_world,
    messenger_text,
    sign,
    whatsapp_text,
)


class Auth(StrEnum):
    public = "public"
    webchat = "webchat"  # a web chat session token, and nothing else
    agent = "agent"  # an active agent, a supervisor or an admin
    supervisor = "supervisor"  # a supervisor or an admin (role), or the admin token
    admin = "admin"  # the admin token or an admin account
    platform = "platform-signature"  # X-Hub-Signature-256 / the verify-token handshake
    chatwoot = "chatwoot-signature"  # X-Chatwoot-Signature (or ?secret=)


@dataclass(frozen=True)
class Call:
    path: str
    ok: int = 200
    json: Any = None
    content: bytes | None = None
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


# Builds a request for the caller about to send it (admin or agent headers), creating fresh
# data when the request changes state.
Build = Callable[[World, dict[str, str]], Awaitable[Call]]


def fixed(path: str, ok: int = 200, **kwargs: Any) -> Build:
    async def build(_w: World, _caller: dict[str, str]) -> Call:
        return Call(path, ok, **kwargs)

    return build


async def _handoff(w: World, _caller: dict[str, str]) -> Call:
    return Call(f"/api/v1/handoffs/{await w.handoff()}")


def _read(suffix: str) -> Build:
    async def build(w: World, _caller: dict[str, str]) -> Call:
        return Call(f"/api/v1/handoffs/{await w.handoff()}/{suffix}")

    return build


async def _claim(w: World, _caller: dict[str, str]) -> Call:
    return Call(f"/api/v1/handoffs/{await w.handoff()}/claim")


def _claimed(action: str, ok: int = 200, **kwargs: Any) -> Build:
    async def build(w: World, caller: dict[str, str]) -> Call:
        handoff_id = await w.handoff(claimed_by=caller)
        return Call(f"/api/v1/handoffs/{handoff_id}/{action}", ok, **kwargs)

    return build


async def _conversation(w: World, _caller: dict[str, str]) -> Call:
    return Call(f"/api/v1/conversations/{await w.conversation()}")


async def _agent(w: World, _caller: dict[str, str]) -> Call:
    return Call(f"/api/v1/agents/{await w.agent_id()}")


async def _new_article(_w: World, _caller: dict[str, str]) -> Call:
    return Call("/api/v1/kb/articles", 201, json=article_body(f"baru-{secrets.token_hex(4)}"))


def _article(ok: int = 200, **kwargs: Any) -> Build:
    async def build(w: World, _caller: dict[str, str]) -> Call:
        return Call(f"/api/v1/kb/articles/{await w.article()}", ok, **kwargs)

    return build


async def _import(_w: World, _caller: dict[str, str]) -> Call:
    body = {"mode": "upsert", "articles": [article_body(f"impor-{secrets.token_hex(4)}")]}
    return Call("/api/v1/kb/import", json=body)


async def _coverage_job(w: World, _caller: dict[str, str]) -> Call:
    return Call(f"/api/v1/kb/coverage/{await w.coverage_job()}")


def _learned(action: str) -> Build:
    async def build(w: World, _caller: dict[str, str]) -> Call:
        return Call(f"/api/v1/kb/learned/{await w.learned_phrasing()}/{action}")

    return build


async def _accept_learned(w: World, _caller: dict[str, str]) -> Call:
    return Call("/api/v1/kb/learned/accept", json={"ids": [await w.learned_phrasing()]})


async def _erase(w: World, _caller: dict[str, str]) -> Call:
    body = {"channel": "whatsapp", "external_id": await w.closed_contact()}
    return Call("/api/v1/contacts/erase", json=body)


async def _retry(w: World, _caller: dict[str, str]) -> Call:
    return Call(f"/api/v1/outbox/{await w.failed_delivery()}/retry")


async def _retry_event(w: World, _caller: dict[str, str]) -> Call:
    return Call(f"/api/v1/inbox/{await w.failed_event()}/retry")


_POLICY = {"name": "Standar", "first_response_s": 900, "business_hours": True}


def _sla_policy(ok: int = 200, **kwargs: Any) -> Build:
    async def build(w: World, _caller: dict[str, str]) -> Call:
        created = await w.client.post("/api/v1/sla-policies", json=_POLICY, headers=ADMIN)
        assert created.status_code == 201, created.text
        return Call(f"/api/v1/sla-policies/{created.json()['id']}", ok, **kwargs)

    return build


def _handshake(path: str, verify_token: str) -> Build:
    params = {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": "4242"}
    return fixed(path, params=params)


def _signed(path: str, secret: str, body: Callable[[str], bytes]) -> Build:
    async def build(_w: World, _caller: dict[str, str]) -> Call:
        raw = body("halo")
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(secret, raw)}
        return Call(path, content=raw, headers=headers)

    return build


def instagram_text(text: str) -> bytes:
    return messenger_text(text).replace(b'"object": "page"', b'"object": "instagram"', 1)


async def _subscription(w: World, action: str = "", ok: int = 200) -> Call:
    body = {"url": "https://93.184.215.14/hooks", "events": ["handoff.created"], "secret": "s" * 16}
    created = await w.client.post("/api/v1/event-subscriptions", json=body, headers=ADMIN)
    assert created.status_code == 201, created.text
    return Call(f"/api/v1/event-subscriptions/{created.json()['id']}{action}", ok)


async def _delete_subscription(w: World, _caller: dict[str, str]) -> Call:
    return await _subscription(w, ok=204)


async def _resume_subscription(w: World, _caller: dict[str, str]) -> Call:
    return await _subscription(w, "/resume")


def chatwoot_message(text: str) -> bytes:
    payload = {
        "event": "message_created",
        "id": 9001,
        "content": text,
        "message_type": "incoming",
        "private": False,
        "sender": {"id": 7, "name": "Budi", "type": "contact"},
        "conversation": {"id": 3, "status": "pending"},
        "account": {"id": 1, "name": "Toko"},
    }
    return json.dumps(payload).encode()


def chatwoot_signed(raw: bytes, secret: str = CW_SECRET) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return {"X-Chatwoot-Signature": f"sha256={digest}", "X-Chatwoot-Timestamp": stamp}


async def _chatwoot(_w: World, _caller: dict[str, str]) -> Call:
    raw = chatwoot_message("halo")
    headers = {"Content-Type": "application/json", **chatwoot_signed(raw)}
    return Call("/webhooks/chatwoot", content=raw, headers=headers)


async def _help_article(w: World, _caller: dict[str, str]) -> Call:
    return Call(f"/help/a/{await w.article()}")


async def _help_event(w: World, _caller: dict[str, str]) -> Call:
    return Call("/api/v1/help/events", 202, json={"type": "view", "slug": await w.article()})


async def _login(w: World, _caller: dict[str, str]) -> Call:
    email = f"masuk{secrets.token_hex(4)}@toko.example"
    token = await w.password_link_token_for(email)
    setup = {"token": token, "password": "kata-sandi-rahasia"}
    assert (await w.client.post("/api/v1/auth/password-setup", json=setup)).status_code == 204
    return Call("/api/v1/auth/login", json={"email": email, "password": "kata-sandi-rahasia"})


async def _password_setup(w: World, _caller: dict[str, str]) -> Call:
    body = {"token": await w.password_link_token(), "password": "kata-sandi-rahasia"}
    return Call("/api/v1/auth/password-setup", 204, json=body)


async def _password_reset(w: World, _caller: dict[str, str]) -> Call:
    agent_id = await w.account(email=f"lupa{secrets.token_hex(4)}@toko.example")
    return Call(f"/api/v1/agents/{agent_id}/password-reset")


async def _routing(w: World, _caller: dict[str, str]) -> Call:
    return Call(f"/api/v1/agents/{await w.account()}", json={"max_open": 5})


async def _role(w: World, _caller: dict[str, str]) -> Call:
    return Call(f"/api/v1/agents/{await w.account()}/role", json={"role": "supervisor"})


# Issue 32 (teams, routing, agent tools).
async def _team(w: World, _caller: dict[str, str], ok: int = 200, **kwargs: Any) -> Call:
    body = {"name": f"Tim {secrets.token_hex(4)}"}
    created = await w.client.post("/api/v1/teams", json=body, headers=ADMIN)
    assert created.status_code == 201, created.text
    return Call(f"/api/v1/teams/{created.json()['id']}", ok, **kwargs)


async def _new_team(_w: World, _caller: dict[str, str]) -> Call:
    # Each caller (token, accounts) creates its own: names are unique.
    return Call("/api/v1/teams", 201, json={"name": f"Tim {secrets.token_hex(4)}"})


async def _delete_team(w: World, caller: dict[str, str]) -> Call:
    return await _team(w, caller, 204)


async def _patch_team(w: World, caller: dict[str, str]) -> Call:
    return await _team(w, caller, json={"auto_assign": True})


async def _transfer(w: World, caller: dict[str, str]) -> Call:
    team = await _team(w, caller)
    handoff_id = await w.handoff(claimed_by=caller)
    body = {"team": int(team.path.rsplit("/", 1)[1])}
    return Call(f"/api/v1/handoffs/{handoff_id}/transfer", json=body)


async def _status(_w: World, caller: dict[str, str]) -> Call:
    # The admin token is nobody's presence: a clear 409, not a 5xx.
    return Call(
        "/api/v1/agents/me/status", 409 if caller == ADMIN else 200, json={"status": "away"}
    )


def _canned_body(caller: dict[str, str]) -> dict[str, Any]:
    # The admin token has no agent: its replies are shared.
    shortcut = f"s{secrets.token_hex(4)}"
    return {"shortcut": shortcut, "text": "Halo {name}", "shared": caller == ADMIN}


async def _new_canned(_w: World, caller: dict[str, str]) -> Call:
    return Call("/api/v1/canned-responses", 201, json=_canned_body(caller))


async def _canned(w: World, caller: dict[str, str], ok: int = 200, **kwargs: Any) -> Call:
    created = await w.client.post(
        "/api/v1/canned-responses", json=_canned_body(caller), headers=caller
    )
    assert created.status_code == 201, created.text
    return Call(f"/api/v1/canned-responses/{created.json()['id']}", ok, **kwargs)


async def _patch_canned(w: World, caller: dict[str, str]) -> Call:
    return await _canned(w, caller, json={"text": "Selamat pagi {name}"})


async def _delete_canned(w: World, caller: dict[str, str]) -> Call:
    return await _canned(w, caller, 204)


async def _note(w: World, _caller: dict[str, str]) -> Call:
    return Call(f"/api/v1/handoffs/{await w.handoff()}/notes", 201, json={"text": "catatan"})


async def _labels(w: World, _caller: dict[str, str]) -> Call:
    conversation_id = await w.conversation()
    return Call(f"/api/v1/conversations/{conversation_id}/labels", json={"labels": ["vip"]})


H = "/api/v1/handoffs/{handoff_id}"
A = "/api/v1/kb/articles/{slug}"
ROUTES: dict[tuple[str, str], tuple[Auth, Build]] = {
    ("GET", "/openapi.json"): (Auth.public, fixed("/openapi.json")),
    ("GET", "/docs"): (Auth.public, fixed("/docs")),
    ("GET", "/docs/oauth2-redirect"): (Auth.public, fixed("/docs/oauth2-redirect")),
    ("GET", "/redoc"): (Auth.public, fixed("/redoc")),
    ("GET", "/healthz"): (Auth.public, fixed("/healthz")),
    ("GET", "/readyz"): (Auth.public, fixed("/readyz")),
    ("GET", "/metrics"): (Auth.public, fixed("/metrics")),
    ("GET", "/"): (Auth.public, fixed("/")),
    ("GET", "/assets/{name}"): (Auth.public, fixed("/assets/lang.js")),
    ("GET", "/chat"): (Auth.public, fixed("/chat")),
    ("GET", "/widget.js"): (Auth.public, fixed("/widget.js")),
    ("GET", "/dashboard"): (Auth.public, fixed("/dashboard")),
    ("GET", "/dashboard/assets/{name}"): (Auth.public, fixed("/dashboard/assets/dashboard.js")),
    ("POST", "/api/v1/webchat/sessions"): (
        Auth.public,
        fixed("/api/v1/webchat/sessions", 201, json={"name": "Budi"}),
    ),
    ("POST", "/api/v1/webchat/messages"): (
        Auth.webchat,
        fixed("/api/v1/webchat/messages", json={"text": "halo"}),
    ),
    ("GET", "/api/v1/webchat/messages"): (Auth.webchat, fixed("/api/v1/webchat/messages")),
    ("GET", "/api/v1/handoffs"): (Auth.agent, fixed("/api/v1/handoffs")),
    ("GET", H): (Auth.agent, _handoff),
    ("POST", H + "/claim"): (Auth.agent, _claim),
    ("POST", H + "/messages"): (Auth.agent, _claimed("messages", 202, json={"text": "Halo"})),
    ("POST", H + "/release"): (Auth.agent, _claimed("release")),
    ("POST", H + "/resolve"): (Auth.agent, _claimed("resolve")),
    ("GET", H + "/messages"): (Auth.agent, _read("messages")),
    ("GET", H + "/suggestions"): (Auth.agent, _read("suggestions")),
    ("GET", H + "/assist"): (Auth.agent, _read("assist")),
    ("GET", "/api/v1/agents/me"): (Auth.agent, fixed("/api/v1/agents/me")),
    ("GET", "/agent"): (Auth.public, fixed("/agent")),
    ("GET", "/agent/assets/{name}"): (Auth.public, fixed("/agent/assets/agent.js")),
    ("GET", "/api/v1/kb/search"): (
        Auth.agent,
        fixed("/api/v1/kb/search", params={"q": "alamat"}),
    ),
    ("POST", "/api/v1/agents"): (Auth.admin, fixed("/api/v1/agents", 201, json={"name": "A"})),
    ("GET", "/api/v1/agents"): (Auth.admin, fixed("/api/v1/agents")),
    ("POST", "/api/v1/contacts/erase"): (Auth.admin, _erase),
    ("DELETE", "/api/v1/agents/{agent_id}"): (Auth.admin, _agent),
    ("GET", "/api/v1/stats/self-service"): (
        Auth.supervisor,
        fixed("/api/v1/stats/self-service"),
    ),
    ("GET", "/api/v1/stats/articles"): (Auth.supervisor, fixed("/api/v1/stats/articles")),
    ("GET", "/api/v1/stats/gaps"): (Auth.supervisor, fixed("/api/v1/stats/gaps")),
    ("GET", "/api/v1/stats/agents"): (Auth.supervisor, fixed("/api/v1/stats/agents")),
    ("GET", "/api/v1/stats/export.csv"): (Auth.supervisor, fixed("/api/v1/stats/export.csv")),
    ("GET", "/api/v1/conversations"): (Auth.supervisor, fixed("/api/v1/conversations")),
    ("GET", "/api/v1/conversations/{conversation_id}"): (Auth.supervisor, _conversation),
    # Issue 33: supervisors read (an agent gets 403, as for admin routes), admins change.
    ("GET", "/api/v1/stats/sla"): (Auth.supervisor, fixed("/api/v1/stats/sla")),
    ("GET", "/api/v1/stats/kpis"): (Auth.supervisor, fixed("/api/v1/stats/kpis")),
    ("GET", "/api/v1/sla-policies"): (Auth.supervisor, fixed("/api/v1/sla-policies")),
    ("POST", "/api/v1/sla-policies"): (
        Auth.admin,
        fixed("/api/v1/sla-policies", 201, json=_POLICY),
    ),
    ("PATCH", "/api/v1/sla-policies/{policy_id}"): (
        Auth.admin,
        _sla_policy(json={"position": 3}),
    ),
    ("DELETE", "/api/v1/sla-policies/{policy_id}"): (Auth.admin, _sla_policy(204)),
    ("POST", "/api/v1/kb/import"): (Auth.admin, _import),
    ("GET", "/api/v1/kb/export"): (Auth.admin, fixed("/api/v1/kb/export")),
    ("POST", "/api/v1/kb/coverage"): (
        Auth.admin,
        fixed("/api/v1/kb/coverage", json={"questions": ["alamat toko"]}),
    ),
    ("GET", "/api/v1/kb/coverage/{job_id}"): (Auth.admin, _coverage_job),
    ("GET", "/kb"): (Auth.public, fixed("/kb")),
    ("GET", "/kb/assets/{name}"): (Auth.public, fixed("/kb/assets/main.js")),
    ("GET", "/api/v1/kb/status"): (Auth.admin, fixed("/api/v1/kb/status")),
    ("GET", "/api/v1/kb/confusable"): (Auth.admin, fixed("/api/v1/kb/confusable")),
    ("GET", "/api/v1/kb/learned"): (Auth.admin, fixed("/api/v1/kb/learned")),
    ("POST", "/api/v1/kb/learned/accept"): (Auth.admin, _accept_learned),
    ("POST", "/api/v1/kb/learned/{phrasing_id}/accept"): (Auth.admin, _learned("accept")),
    ("POST", "/api/v1/kb/learned/{phrasing_id}/reject"): (Auth.admin, _learned("reject")),
    ("GET", "/api/v1/kb/drafts"): (Auth.admin, fixed("/api/v1/kb/drafts")),
    # No knowledge gap in this world: an admin gets past authentication to the 404.
    ("POST", "/api/v1/kb/drafts/{draft_id}/publish"): (
        Auth.admin,
        fixed("/api/v1/kb/drafts/0123abcd/publish", 404, json=article_body("dari-draf")),
    ),
    ("GET", "/api/v1/kb/articles"): (Auth.admin, fixed("/api/v1/kb/articles")),
    ("POST", "/api/v1/kb/articles"): (Auth.admin, _new_article),
    ("GET", A): (Auth.admin, _article()),
    ("PATCH", A): (Auth.admin, _article(json={"answer": "Jawaban baru yang cukup panjang."})),
    ("DELETE", A): (Auth.admin, _article(204)),
    ("GET", "/api/v1/outbox"): (Auth.admin, fixed("/api/v1/outbox")),
    ("POST", "/api/v1/outbox/{item_id}/retry"): (Auth.admin, _retry),
    ("GET", "/api/v1/inbox"): (Auth.admin, fixed("/api/v1/inbox")),
    ("POST", "/api/v1/inbox/{item_id}/retry"): (Auth.admin, _retry_event),
    ("GET", "/api/v1/event-subscriptions"): (Auth.admin, fixed("/api/v1/event-subscriptions")),
    ("POST", "/api/v1/event-subscriptions"): (
        Auth.admin,
        fixed(
            "/api/v1/event-subscriptions",
            201,
            json={
                "url": "https://93.184.215.14/h",
                "events": ["csat.received"],
                "secret": "x" * 16,
            },
        ),
    ),
    ("DELETE", "/api/v1/event-subscriptions/{subscription_id}"): (
        Auth.admin,
        _delete_subscription,
    ),
    ("POST", "/api/v1/event-subscriptions/{subscription_id}/resume"): (
        Auth.admin,
        _resume_subscription,
    ),
    ("POST", "/webhooks/chatwoot"): (Auth.chatwoot, _chatwoot),
    ("GET", "/webhooks/whatsapp"): (Auth.platform, _handshake("/webhooks/whatsapp", WA_VERIFY)),
    ("POST", "/webhooks/whatsapp"): (
        Auth.platform,
        _signed("/webhooks/whatsapp", WA_SECRET, whatsapp_text),
    ),
    ("GET", "/webhooks/messenger"): (Auth.platform, _handshake("/webhooks/messenger", MS_VERIFY)),
    ("POST", "/webhooks/messenger"): (
        Auth.platform,
        _signed("/webhooks/messenger", MS_SECRET, messenger_text),
    ),
    ("GET", "/webhooks/instagram"): (Auth.platform, _handshake("/webhooks/instagram", IG_VERIFY)),
    ("POST", "/webhooks/instagram"): (
        Auth.platform,
        _signed("/webhooks/instagram", IG_SECRET, instagram_text),
    ),
    # The help center (issue 31): public pages and activity; its statistics and the
    # categories' editing are the admin's.
    ("GET", "/help"): (Auth.public, fixed("/help")),
    ("GET", "/help/a/{slug}"): (Auth.public, _help_article),
    ("GET", "/help/c/{slug}"): (Auth.public, fixed("/help/c/nothing-here", 404)),
    ("GET", "/help/search"): (Auth.public, fixed("/help/search", params={"q": "alamat"})),
    ("GET", "/help/sitemap.xml"): (Auth.public, fixed("/help/sitemap.xml")),
    ("GET", "/help/static/{name}"): (Auth.public, fixed("/help/static/help.js")),
    ("GET", "/robots.txt"): (Auth.public, fixed("/robots.txt")),
    ("GET", "/api/v1/help/search"): (
        Auth.public,
        fixed("/api/v1/help/search", params={"q": "alamat"}),
    ),
    ("POST", "/api/v1/help/events"): (Auth.public, _help_event),
    ("GET", "/api/v1/stats/help"): (Auth.supervisor, fixed("/api/v1/stats/help")),
    ("GET", "/api/v1/kb/categories"): (Auth.admin, fixed("/api/v1/kb/categories")),
    ("PUT", "/api/v1/kb/categories"): (
        Auth.admin,
        fixed("/api/v1/kb/categories", json={"items": [{"slug": "pengiriman", "name": "Kirim"}]}),
    ),
    ("POST", "/api/v1/kb/preview"): (
        Auth.admin,
        fixed("/api/v1/kb/preview", json={"body": "# Judul"}),
    ),
    # Accounts (issue 32).
    ("POST", "/api/v1/auth/login"): (Auth.public, _login),
    ("POST", "/api/v1/auth/logout"): (Auth.public, fixed("/api/v1/auth/logout", 204)),
    ("GET", "/api/v1/auth/me"): (Auth.agent, fixed("/api/v1/auth/me")),
    ("POST", "/api/v1/auth/password-setup"): (Auth.public, _password_setup),
    ("POST", "/api/v1/agents/{agent_id}/password-reset"): (Auth.admin, _password_reset),
    ("PUT", "/api/v1/agents/{agent_id}/role"): (Auth.admin, _role),
    ("PATCH", "/api/v1/agents/{agent_id}"): (Auth.admin, _routing),
    ("GET", "/password-setup"): (Auth.public, fixed("/password-setup")),
    ("GET", "/api/v1/audit"): (Auth.admin, fixed("/api/v1/audit")),
    ("GET", "/accounts/assets/{name}"): (Auth.public, fixed("/accounts/assets/account.js")),
    # An authorised caller reaches the lookup: an unknown message is a 404 with the shape.
    ("GET", "/api/v1/media/{message_id}"): (Auth.agent, fixed("/api/v1/media/987654321", 404)),
    # Issue 32: teams (admin); transfer (the holder, or a supervisor); presence; agent tools.
    ("GET", "/api/v1/teams"): (Auth.admin, fixed("/api/v1/teams")),
    ("GET", "/api/v1/teams/directory"): (Auth.agent, fixed("/api/v1/teams/directory")),
    ("POST", "/api/v1/teams"): (Auth.admin, _new_team),
    ("PATCH", "/api/v1/teams/{team_id}"): (Auth.admin, _patch_team),
    ("DELETE", "/api/v1/teams/{team_id}"): (Auth.admin, _delete_team),
    ("POST", H + "/transfer"): (Auth.agent, _transfer),
    ("PUT", "/api/v1/agents/me/status"): (Auth.agent, _status),
    ("GET", "/api/v1/canned-responses"): (Auth.agent, fixed("/api/v1/canned-responses")),
    ("POST", "/api/v1/canned-responses"): (Auth.agent, _new_canned),
    ("PATCH", "/api/v1/canned-responses/{canned_id}"): (Auth.agent, _patch_canned),
    ("DELETE", "/api/v1/canned-responses/{canned_id}"): (Auth.agent, _delete_canned),
    ("POST", H + "/notes"): (Auth.agent, _note),
    ("PUT", "/api/v1/conversations/{conversation_id}/labels"): (Auth.agent, _labels),
}


def app_routes() -> set[tuple[str, str]]:
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    found = set()
    for route in iter_route_contexts(app.routes):
        assert route.path is not None, route
        for method in route.methods or {"WEBSOCKET"}:
            if method != "HEAD":  # served by the GET handler
                found.add((method, route.path))
    return found


def test_every_route_is_classified() -> None:
    routes = app_routes()
    assert routes - ROUTES.keys() == set(), "classify the new routes in ROUTES"
    assert ROUTES.keys() - routes == set(), "ROUTES lists routes the app no longer has"


async def test_api_docs_can_be_switched_off(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"api_docs": False}))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
                response = await client.get(path)
                assert response.status_code == 404, path
                assert_error_shape(response)
            assert (await client.get("/healthz")).status_code == 200


async def send(
    client: httpx.AsyncClient, method: str, call: Call, auth: dict[str, str]
) -> httpx.Response:
    return await client.request(
        method,
        call.path,
        json=call.json,
        content=call.content,
        params=call.params,
        headers=call.headers | auth,
    )


def refused(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert_error_shape(response)
    if code is not None:
        assert response.json()["error"]["code"] == code
    if status == 401 and code in (None, "unauthorized"):
        assert response.headers.get("www-authenticate") == "Bearer"


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES))
async def test_route_authentication(
    client: httpx.AsyncClient, session: AsyncSession, method: str, path: str
) -> None:
    auth, build = ROUTES[(method, path)]
    world = await make_world(client, session)
    customer = bearer(await world.webchat_token())
    agent = world.agent
    wrong = {
        "none": {},
        "random": bearer("agt_" + secrets.token_urlsafe(32)),
        "deactivated agent": bearer(world.inactive_agent_token),
        "basic scheme": {"Authorization": f"Basic {world.agent_token}"},
        "empty bearer": {"Authorization": "Bearer "},
        "admin token with a suffix": bearer(ADMIN["Authorization"][7:] + "x"),
    }

    if auth is Auth.public:
        for headers in [*wrong.values(), customer, agent, ADMIN]:
            call = await build(world, ADMIN)
            response = await send(client, method, call, headers)
            assert response.status_code == call.ok, response.text
        return

    if auth is Auth.platform:
        # Bearer tokens of any kind are no substitute for Meta's signature or verify token.
        call = await build(world, ADMIN)
        unsigned = Call(call.path, content=call.content, params={"hub.mode": "subscribe"})
        for headers in [*wrong.values(), customer, agent, ADMIN]:
            response = await send(client, method, unsigned, headers)
            if method == "GET":
                refused(response, 403, "verification_failed")
            else:
                refused(response, 401, "missing_signature")
        if method == "POST":
            forged = Call(call.path, content=call.content, headers={"X-Hub-Signature-256": "x"})
            refused(await send(client, method, forged, ADMIN), 403, "invalid_signature")
            resigned = sign("not-the-secret", call.content or b"")
            forged = Call(
                call.path, content=call.content, headers={"X-Hub-Signature-256": resigned}
            )
            refused(await send(client, method, forged, ADMIN), 403, "invalid_signature")
        response = await send(client, method, call, {})
        assert response.status_code == call.ok, response.text
        return

    if auth is Auth.chatwoot:
        # Bearer tokens of any kind are no substitute for the webhook's secret or signature.
        call = await build(world, ADMIN)
        unsigned = Call(call.path, content=call.content)
        for headers in [*wrong.values(), customer, agent, ADMIN]:
            refused(await send(client, method, unsigned, headers), 401, "missing_signature")
        body = call.content or b""
        for bad in (
            {"X-Chatwoot-Signature": "sha256=00", "X-Chatwoot-Timestamp": str(int(time.time()))},
            chatwoot_signed(body, "not-the-secret"),
            chatwoot_signed(body + b" "),
        ):
            refused(
                await send(client, method, Call(call.path, content=body, headers=bad), ADMIN),
                403,
                "invalid_signature",
            )
        wrong_secret = Call(call.path, content=body, params={"secret": "nope"})
        refused(await send(client, method, wrong_secret, {}), 403, "invalid_signature")
        response = await send(client, method, call, {})
        assert response.status_code == call.ok, response.text
        in_url = Call(call.path, content=body, params={"secret": CW_SECRET})
        assert (await send(client, method, in_url, {})).status_code == call.ok
        return

    if auth is Auth.webchat:
        for headers in [*wrong.values(), agent, ADMIN]:
            refused(await send(client, method, await build(world, ADMIN), headers), 401)
        call = await build(world, customer)
        response = await send(client, method, call, customer)
        assert response.status_code == call.ok, response.text
        return

    for headers in [*wrong.values(), customer]:
        refused(await send(client, method, await build(world, ADMIN), headers), 401)
    allowed = {
        Auth.agent: {"agent", "supervisor", "agent session", "admin session"},
        Auth.supervisor: {"supervisor", "admin session"},
        Auth.admin: {"admin session"},
    }[auth]
    callers = {
        "agent": agent,
        "supervisor": world.supervisor,
        "agent session": world.agent_session,
        "admin session": world.admin_session,
    }
    for name, headers in callers.items():
        call = await build(world, headers)
        response = await send(client, method, call, headers)
        if name in allowed:
            assert response.status_code == call.ok, (name, response.text)
        else:
            refused(response, 403, "forbidden")
    if method != "GET":
        # A session cookie alone (a forged cross-site request) is refused before anything.
        for session_headers in (world.agent_session, world.admin_session):
            cookie_alone = {"Cookie": session_headers["Cookie"]}
            refused(
                await send(client, method, await build(world, ADMIN), cookie_alone),
                403,
                "csrf_failed",
            )
    call = await build(world, ADMIN)
    response = await send(client, method, call, ADMIN)
    assert response.status_code == call.ok, response.text
