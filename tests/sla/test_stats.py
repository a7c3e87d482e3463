"""SLA compliance by policy, metric, team, agent and channel."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from app.escalation.models import Handoff
from app.teams.models import Team
from app.types import Channel
from tests.sla.conftest import Desk, add_policy, jkt

PERIOD = {"from": "2026-12-01", "to": "2026-12-09"}


async def _stats(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> Any:
    response = await client.get("/api/v1/stats/sla", params=PERIOD | params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_compliance_by_policy_metric_team_agent_and_channel(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        team = Team(name="Billing", categories=[], created_at=jkt(1, 0))
        session.add(team)
    wa = await add_policy(client, admin_headers, name="WA", channels=["whatsapp"], position=0)
    web = await add_policy(client, admin_headers, name="Web", resolution_s=3600, position=1)
    # WhatsApp, answered in time and resolved: hit.
    hit = await Desk.open(app, jkt(7, 9), channel=Channel.whatsapp)
    await hit.claim(jkt(7, 9, 1))
    await hit.reply(jkt(7, 9, 5))
    await hit.resolve(jkt(7, 9, 30))
    # Web chat, first response late, resolved in time: missed (first response only).
    late = await Desk.open(app, jkt(7, 10))
    await late.claim(jkt(7, 10, 1))
    await late.reply(jkt(7, 10, 20))
    await late.resolve(jkt(7, 10, 40))
    async with app.state.sessionmaker() as session, session.begin():
        (await session.get_one(Handoff, late.handoff_id)).team_id = team.id
    # Web chat, still waiting, nothing due yet: active.
    await Desk.open(app, jkt(8, 16, 50))

    stats = await _stats(client, admin_headers)
    policies = {p["name"]: p for p in stats["policies"]}
    assert policies["WA"] == {
        "id": wa["id"], "name": "WA", "handoffs": 1, "hit": 1, "missed": 0, "compliance": 100.0,
    }  # fmt: skip
    assert policies["Web"] == {
        "id": web["id"], "name": "Web", "handoffs": 2, "hit": 0, "missed": 1, "compliance": 0.0,
    }  # fmt: skip
    assert stats["by_metric"]["first_response"] == {
        "handoffs": 3, "hit": 1, "missed": 1, "compliance": 50.0,
    }  # fmt: skip
    assert stats["by_metric"]["resolution"] == {
        "handoffs": 2, "hit": 1, "missed": 0, "compliance": 100.0,
    }  # fmt: skip
    assert stats["by_metric"]["next_response"]["handoffs"] == 0
    teams = {t["name"]: t for t in stats["by_team"]}
    assert teams["Billing"]["missed"] == 1
    assert teams[None]["handoffs"] == 2
    agents = {a["id"]: a for a in stats["by_agent"]}
    assert agents[None]["handoffs"] == 1  # the waiting one
    assert sorted((a["name"], a["hit"], a["missed"]) for a in agents.values() if a["id"]) == [
        ("Rina", 0, 1),
        ("Rina", 1, 0),
    ]
    channels = {c["channel"]: c["compliance"] for c in stats["by_channel"]}
    assert channels == {"whatsapp": 100.0, "webchat": 0.0}

    only_team = await _stats(client, admin_headers, team=str(team.id))
    assert [p["handoffs"] for p in only_team["policies"]] == [1]
    only_wa = await _stats(client, admin_headers, channel="whatsapp")
    assert [p["name"] for p in only_wa["policies"]] == ["WA"]
