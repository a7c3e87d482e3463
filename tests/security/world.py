"""Test data for the security tests: callers (tokens) and fresh objects for each request, so
that a route answers for its authentication and not with 404 or 409."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.sessions import COOKIE, CSRF_HEADER, csrf_token, start_session
from app.db import utcnow
from app.inbox.models import InboxItem
from app.learning.models import LearnedPhrasing
from app.outbox.models import OutboxItem
from app.types import Channel, ConversationStatus, OutboxStatus
from tests.conftest import ADMIN_TOKEN
from tests.factories import bearer, make_agent, make_contact, make_conversation, make_handoff

_ids = itertools.count(1)

ADMIN = bearer(ADMIN_TOKEN)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def whatsapp_text(text: str) -> bytes:
    n = next(_ids)
    wa_id = f"62811{n:06d}"
    message: dict[str, Any] = {
        "from": wa_id,
        "id": f"wamid.sec{n}",
        "timestamp": str(int(time.time())),
    }
    message |= {"type": "text", "text": {"body": text}}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001", "phone_number_id": "1098765"},
        "contacts": [{"profile": {"name": "Sari"}, "wa_id": wa_id}],
        "messages": [message],
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "waba-1", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


def messenger_text(text: str) -> bytes:
    n = next(_ids)
    event = {
        "sender": {"id": f"psid-{n}"},
        "recipient": {"id": "page-1"},
        "timestamp": int(time.time() * 1000),
        "message": {"mid": f"m_sec{n}", "text": text},
    }
    body = {"object": "page", "entry": [{"id": "page-1", "time": 0, "messaging": [event]}]}
    return json.dumps(body).encode()


def assert_error_shape(response: httpx.Response) -> None:
    """The contract: ``{"error": {"code": "<snake_case>", "message": "..."}}``."""
    body = response.json()
    assert isinstance(body, dict), body
    error = body.get("error")
    assert isinstance(error, dict), body
    code, message = error.get("code"), error.get("message")
    assert isinstance(code, str), body
    assert code, body
    assert code == code.lower(), body
    assert " " not in code, body
    assert isinstance(message, str), body
    assert message, body


@dataclass
class World:
    """Callers and object factories on one app; every factory commits."""

    client: httpx.AsyncClient
    session: AsyncSession
    agent_token: str
    inactive_agent_token: str
    supervisor_token: str
    # Signed in with a password: the cookie and CSRF headers of an agent and an admin account.
    agent_session: dict[str, str]
    admin_session: dict[str, str]

    @property
    def agent(self) -> dict[str, str]:
        return bearer(self.agent_token)

    @property
    def supervisor(self) -> dict[str, str]:
        return bearer(self.supervisor_token)

    async def account(self, *, email: str | None = None) -> int:
        """A new agent account through the admin API (with an e-mail: a setup link too)."""
        body: dict[str, Any] = {"name": f"Akun {next(_ids)}"}
        if email is not None:
            body["email"] = email
        response = await self.client.post("/api/v1/agents", json=body, headers=ADMIN)
        assert response.status_code == 201, response.text
        agent_id: int = response.json()["id"]
        return agent_id

    async def password_link_token(self) -> str:
        """The token of a fresh password-setup link."""
        return await self.password_link_token_for(f"baru{next(_ids)}@toko.example")

    async def password_link_token_for(self, email: str) -> str:
        body = {"name": "Baru", "email": email}
        response = await self.client.post("/api/v1/agents", json=body, headers=ADMIN)
        assert response.status_code == 201, response.text
        url: str = response.json()["password_setup_url"]
        return url.split("token=", 1)[1]

    async def webchat_token(self) -> str:
        response = await self.client.post("/api/v1/webchat/sessions", json={"name": "Budi"})
        assert response.status_code == 201, response.text
        token: str = response.json()["token"]
        return token

    async def handoff(self, *, claimed_by: dict[str, str] | None = None) -> int:
        handoff = await make_handoff(self.session)
        await self.session.commit()
        if claimed_by is not None:
            claimed = await self.client.post(
                f"/api/v1/handoffs/{handoff.id}/claim", headers=claimed_by
            )
            assert claimed.status_code == 200, claimed.text
        return handoff.id

    async def conversation(self) -> int:
        conversation = await make_conversation(self.session)
        await self.session.commit()
        return conversation.id

    async def article(self) -> str:
        slug = f"artikel-{next(_ids)}"
        response = await self.client.post(
            "/api/v1/kb/articles", json=article_body(slug), headers=ADMIN
        )
        assert response.status_code == 201, response.text
        return slug

    async def learned_phrasing(self) -> int:
        """A pending learned phrasing of a fresh article (issue 30)."""
        now = utcnow()
        row = LearnedPhrasing(
            slug=await self.article(),
            text=f"cara {next(_ids)}",
            text_key=f"{next(_ids):064d}",
            source="agent_answer",
            count=1,
            customers=1,
            status="pending",
            pulls=[],
            first_seen=now,
            last_seen=now,
        )
        self.session.add(row)
        await self.session.commit()
        return row.id

    async def closed_contact(self) -> str:
        """A WhatsApp customer whose only conversation is closed: one that can be erased."""
        contact = await make_contact(
            self.session, channel=Channel.whatsapp, external_id=f"6289{next(_ids):09d}"
        )
        await make_conversation(self.session, contact=contact, status=ConversationStatus.closed)
        await self.session.commit()
        return contact.external_id

    async def agent_id(self) -> int:
        agent, _ = await make_agent(self.session, name=f"Agent {next(_ids)}")
        await self.session.commit()
        return agent.id

    async def failed_delivery(self) -> int:
        now = utcnow()
        item = OutboxItem(
            channel="whatsapp",
            recipient_key="whatsapp:1098765:62811000000",
            account_id="1098765",
            payload={"to": "62811000000", "type": "text", "text": {"body": "x"}},
            status=OutboxStatus.failed.value,
            attempts=10,
            next_attempt_at=now,
            last_error="HTTP 500",
            created_at=now,
        )
        self.session.add(item)
        await self.session.commit()
        return item.id

    async def failed_event(self) -> int:
        """A webhook event the engine gave up on."""
        now = utcnow()
        item = InboxItem(
            channel="whatsapp",
            kind="message",
            dedupe_key=f"wamid.failed.{now.timestamp()}",
            contact_key="62811000000",
            payload={"channel": "whatsapp", "external_id": "62811000000", "text": "x"},
            received_at=now,
            attempts=5,
            next_attempt_at=now,
            last_error="RuntimeError: engine bug",
            processed_at=now,
            outcome="failed",
        )
        self.session.add(item)
        await self.session.commit()
        return item.id

    async def event_subscription(self) -> int:
        body = {"url": "https://93.184.215.14/h", "events": ["csat.received"], "secret": "x" * 9}
        response = await self.client.post("/api/v1/event-subscriptions", json=body, headers=ADMIN)
        assert response.status_code == 201, response.text
        subscription_id: int = response.json()["id"]
        return subscription_id

    async def coverage_job(self) -> str:
        """A queued background coverage report (workers are off: it stays queued)."""
        response = await self.client.post(
            "/api/v1/kb/coverage?background=true",
            json={"questions": ["alamat toko"]},
            headers=ADMIN,
        )
        assert response.status_code == 202, response.text
        job_id: str = response.json()["id"]
        return job_id


def article_body(slug: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "question": "Bagaimana cara mengganti alamat pengiriman?",
        "variants": ["ubah alamat kirim"],
        "answer": "Buka menu Pesanan, pilih pesanan, lalu Ubah Alamat.",
        "url": "https://example.com/help/alamat",
        "category": "pengiriman",
        "tags": ["alamat"],
    }


async def _signed_in(session: AsyncSession, agent_id: int) -> dict[str, str]:
    """A session as signing in makes one (without the password check's 0.1 s)."""
    now = utcnow()
    sid = await start_session(session, agent_id=agent_id, now=now, lifetime=timedelta(hours=1))
    return {"Cookie": f"{COOKIE}={sid}", CSRF_HEADER: csrf_token(sid)}


async def make_world(client: httpx.AsyncClient, session: AsyncSession) -> World:
    rina, token = await make_agent(session, name="Rina")
    _, inactive = await make_agent(session, name="Former", active=False)
    supervisor, supervisor_token = await make_agent(session, name="Sinta")
    supervisor.role = "supervisor"
    boss, _ = await make_agent(session, name="Bos")
    boss.role = "admin"
    agent_session = await _signed_in(session, rina.id)
    admin_session = await _signed_in(session, boss.id)
    await session.commit()
    return World(
        client=client,
        session=session,
        agent_token=token,
        inactive_agent_token=inactive,
        supervisor_token=supervisor_token,
        agent_session=agent_session,
        admin_session=admin_session,
    )
