"""The audit log: what gets recorded, reading it (filters, keyset pages) and its retention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.models import AccountSession
from app.audit.models import AuditEntry
from app.audit.service import record
from app.conversations.retention import remove_expired
from app.db import utcnow
from app.types import Channel, ConversationStatus
from tests.accounts.helpers import make_account, sign_in
from tests.factories import bearer, make_agent, make_contact, make_conversation, make_handoff
from tests.security.world import article_body

ADMIN = bearer("test-admin-token")


async def _audit(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get("/api/v1/audit", params=params, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


async def test_kb_changes_handoff_actions_and_erasures_are_recorded(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    agent, token = await make_agent(session, name="Ani")
    handoff = await make_handoff(session)
    contact = await make_contact(session, channel=Channel.whatsapp, external_id="6281100000001")
    await make_conversation(session, contact=contact, status=ConversationStatus.closed)
    await session.commit()

    assert (
        await client.post("/api/v1/kb/articles", json=article_body("alamat"), headers=ADMIN)
    ).status_code == 201
    patch = {"answer": "Jawaban baru yang cukup panjang sekali."}
    assert (await client.patch("/api/v1/kb/articles/alamat", json=patch, headers=ADMIN)).is_success
    imported = {"mode": "upsert", "articles": [article_body("ongkir")]}
    assert (await client.post("/api/v1/kb/import", json=imported, headers=ADMIN)).is_success
    assert (await client.delete("/api/v1/kb/articles/alamat", headers=ADMIN)).status_code == 204
    for action in ("claim", "release", "claim", "resolve"):
        done = await client.post(f"/api/v1/handoffs/{handoff.id}/{action}", headers=bearer(token))
        assert done.status_code == 200, done.text
    erase = {"channel": "whatsapp", "external_id": "6281100000001"}
    assert (await client.post("/api/v1/contacts/erase", json=erase, headers=ADMIN)).is_success

    items = (await _audit(client))["items"]
    got = [(i["actor"], i["action"], i["target"]) for i in reversed(items)]
    me = f"agent:{agent.id}"
    h = f"handoff:{handoff.id}"
    assert got == [
        ("admin-token", "kb.article_created", "article:alamat"),
        ("admin-token", "kb.article_updated", "article:alamat"),
        ("admin-token", "kb.imported", None),
        ("admin-token", "kb.article_deleted", "article:alamat"),
        (me, "handoff.claimed", h),
        (me, "handoff.released", h),
        (me, "handoff.claimed", h),
        (me, "handoff.resolved", h),
        ("admin-token", "contact.erased", f"erased:{contact.id}"),
    ]
    by_action = {i["action"]: i["details"] for i in items}
    assert by_action["kb.article_updated"] == {"fields": ["answer"]}
    assert by_action["kb.imported"]["created"] == 1
    assert "6281100000001" not in str(items)  # the erased id is not kept in the log


async def test_reading_filters_and_pages_newest_first(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    start = utcnow().replace(microsecond=0) - timedelta(days=10)
    for n in range(7):
        await record(
            session,
            actor="agent:1" if n % 2 else "agent:2",
            action="auth.login" if n < 5 else "kb.article_created",
            target=f"t:{n}",
            at=start + timedelta(days=n),
        )
    # Two entries at the same instant: the page boundary between them must hold.
    await record(session, actor="agent:1", action="auth.login", target="t:same", at=start)
    await session.commit()

    seen: list[str] = []
    cursor = ""
    while True:
        page = await _audit(client, limit="3", **({"cursor": cursor} if cursor else {}))
        seen += [i["target"] for i in page["items"]]
        if page["cursor"] is None:
            break
        cursor = page["cursor"]
    assert seen == ["t:6", "t:5", "t:4", "t:3", "t:2", "t:1", "t:same", "t:0"]

    logins = await _audit(client, action="auth.login", actor="agent:1")
    assert [i["target"] for i in logins["items"]] == ["t:3", "t:1", "t:same"]
    day = (start + timedelta(days=2)).date().isoformat()
    one_day = await _audit(client, **{"from": day, "to": day})
    assert [i["target"] for i in one_day["items"]] == ["t:2"]
    since = (start + timedelta(days=5)).isoformat()
    assert [i["target"] for i in (await _audit(client, **{"from": since}))["items"]] == [
        "t:6",
        "t:5",
    ]

    for bad in ({"cursor": "nonsense!"}, {"from": "yesterday"}, {"limit": "0"}):
        refused = await client.get("/api/v1/audit", params=bad, headers=ADMIN)
        assert refused.status_code == 422, bad


async def test_agents_and_supervisors_cannot_read_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_account(session, role="supervisor")
    await session.commit()
    headers = await sign_in(client)
    assert (await client.get("/api/v1/audit", headers=headers)).status_code == 403


async def test_retention_deletes_old_entries_and_expired_sessions(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    now = utcnow()
    days = app.state.settings.audit_retention_days
    await record(session, actor="a", action="old", at=now - timedelta(days=days + 1))
    await record(session, actor="a", action="recent", at=now - timedelta(days=days - 1))
    await make_account(session)
    await session.commit()
    await sign_in(client)
    live = await sign_in(client)
    expired = (await session.scalars(select(AccountSession).order_by(AccountSession.id))).first()
    assert expired is not None
    expired.expires_at = now - timedelta(seconds=1)
    await session.commit()

    await remove_expired(app.state.sessionmaker, app.state.settings, now=now)

    actions = set((await session.scalars(select(AuditEntry.action))).all())
    assert "old" not in actions
    assert "recent" in actions
    assert await session.scalar(select(func.count()).select_from(AccountSession)) == 1
    await session.commit()  # end the read: SQLite lets one transaction at a time
    assert (await client.get("/api/v1/auth/me", headers=live)).status_code == 200
