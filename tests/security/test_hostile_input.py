"""Hostile values the schema alone does not rule out: numbers past BIGINT, calendar edges.
Each once answered 500 (found by the fuzzer); now they are 4xx in the contract's shape."""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

import app.routers
from app.json_body import JSONRoute
from tests.factories import bearer
from tests.security.world import ADMIN, assert_error_shape, make_world

PAST_BIGINT = str(2**65)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/handoffs/{n}"),
        ("POST", "/api/v1/handoffs/{n}/claim"),
        ("POST", "/api/v1/handoffs/{n}/messages"),
        ("POST", "/api/v1/handoffs/{n}/release"),
        ("POST", "/api/v1/handoffs/{n}/resolve"),
        ("DELETE", "/api/v1/agents/{n}"),
        ("POST", "/api/v1/outbox/{n}/retry"),
        ("GET", "/api/v1/outbox?before_id={n}"),
    ],
)
@pytest.mark.parametrize("n", [PAST_BIGINT, "-" + PAST_BIGINT, "0"])
async def test_ids_out_of_range_are_422(
    client: httpx.AsyncClient, method: str, path: str, n: str
) -> None:
    url = path.format(n=n)
    response = await client.request(method, url, json={"text": "halo"}, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert_error_shape(response)


async def test_a_web_chat_cursor_past_bigint_is_422(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    chat = bearer(await (await make_world(client, session)).webchat_token())
    response = await client.get(f"/api/v1/webchat/messages?after={PAST_BIGINT}", headers=chat)
    assert response.status_code == 422, response.text
    assert_error_shape(response)
    fine = await client.get("/api/v1/webchat/messages?after=999999999999999999", headers=chat)
    assert fine.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "from=0001-01-01&to=0001-01-02",
        "from=0001-01-01T00:00:00",
        "to=0001-01-05",
        "to=9999-12-31",
        "from=9999-12-31T23:59:59",
    ],
)
@pytest.mark.parametrize("route", ["self-service", "articles", "gaps", "agents", "export.csv"])
async def test_dates_at_the_edges_of_the_calendar_are_422(
    client: httpx.AsyncClient, route: str, query: str
) -> None:
    response = await client.get(f"/api/v1/stats/{route}?{query}", headers=ADMIN)
    assert response.status_code == 422, response.text
    assert_error_shape(response)
    assert response.json()["error"]["code"] == "invalid_date"


async def test_a_nul_character_is_never_a_server_error(
    client: httpx.AsyncClient, session: AsyncSession, backend: str
) -> None:
    """PostgreSQL cannot store U+0000 in text or JSONB (SQLite can): never a 500 for it."""
    world = await make_world(client, session)
    chat = bearer(await world.webchat_token())
    handoff_id = await world.handoff(claimed_by=ADMIN)
    article = {
        "slug": "nul-char",
        "question": "Apa\x00 ini?",
        "answer": "Jawaban yang cukup panjang.",
        "variants": ["va\x00riasi"],
    }
    calls = [
        ("/api/v1/webchat/sessions", {"name": "Bu\x00di"}, {}, 201),
        ("/api/v1/webchat/messages", {"text": "ha\x00lo"}, chat, 200),
        ("/api/v1/agents", {"name": "Ri\x00na"}, ADMIN, 201),
        (f"/api/v1/handoffs/{handoff_id}/messages", {"text": "ba\x00ik"}, ADMIN, 202),
        ("/api/v1/kb/articles", article, ADMIN, 201),
    ]
    for path, body, headers, ok in calls:
        response = await client.post(path, json=body, headers=headers)
        # Stripped (customer text) or refused: either is fine, a 500 is not.
        expected = {ok} if backend == "sqlite" else {ok, 422}
        assert response.status_code in expected, response.text
        if response.status_code == 422:
            assert_error_shape(response)
            assert response.json()["error"]["code"] in ("unstorable_value", "validation_error")


LONE_SURROGATE = "\ud800"


def ascii_json(body: Any) -> dict[str, Any]:
    """Request arguments sending ``body`` as ASCII JSON: httpx writes UTF-8, which cannot
    hold a lone surrogate, but a client's escaped JSON can (``"\\ud800"``)."""
    return {"content": json.dumps(body), "headers": {"content-type": "application/json"}}


async def test_a_lone_surrogate_is_422_and_nothing_is_stored(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """Python decodes it into a str no UTF-8 encoder takes: it once reached the database
    (an agent's reply: 500) and would have reached Meta's API."""
    world = await make_world(client, session)
    chat = bearer(await world.webchat_token())
    handoff_id = await world.handoff(claimed_by=ADMIN)
    article = {
        "slug": "lone-surrogate",
        "question": f"Apa{LONE_SURROGATE} ini?",
        "answer": "Jawaban yang cukup panjang.",
    }
    calls = [
        ("/api/v1/webchat/sessions", {"name": f"Bu{LONE_SURROGATE}di"}, {}),
        ("/api/v1/webchat/messages", {"text": f"re{LONE_SURROGATE}fund"}, chat),
        ("/api/v1/agents", {"name": f"Ri{LONE_SURROGATE}na"}, ADMIN),
        (f"/api/v1/handoffs/{handoff_id}/messages", {"text": f"ba{LONE_SURROGATE}ik"}, ADMIN),
        ("/api/v1/kb/articles", article, ADMIN),
        ("/api/v1/kb/import", {"mode": "upsert", "articles": [article]}, ADMIN),
    ]
    before = (await client.get(f"/api/v1/handoffs/{handoff_id}", headers=ADMIN)).json()
    agents = (await client.get("/api/v1/agents", headers=ADMIN)).json()
    for path, body, headers in calls:
        arguments = ascii_json(body)
        arguments["headers"].update(headers)
        response = await client.post(path, **arguments)
        assert response.status_code == 422, (path, response.text)
        assert_error_shape(response)
        if path != "/api/v1/kb/import":  # reads its body itself: invalid_json, one message
            (detail,) = response.json()["error"]["details"]
            assert "surrogate" in detail["message"], detail
    after = (await client.get(f"/api/v1/handoffs/{handoff_id}", headers=ADMIN)).json()
    assert after["transcript"] == before["transcript"]
    assert (await client.get("/api/v1/agents", headers=ADMIN)).json() == agents
    missing = await client.get("/api/v1/kb/articles/lone-surrogate", headers=ADMIN)
    assert missing.status_code == 404


async def test_an_escaped_surrogate_pair_is_text(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """An emoji escaped as two surrogates (what ``json.dumps`` writes) is one character."""
    world = await make_world(client, session)
    arguments = ascii_json({"text": "refund \U0001f600"})
    assert "\\ud83d\\ude00" in arguments["content"]
    arguments["headers"].update(bearer(await world.webchat_token()))
    response = await client.post("/api/v1/webchat/messages", **arguments)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", ["/api/v1/kb/import", "/api/v1/agents"])
async def test_json_nested_too_deeply_is_422(client: httpx.AsyncClient, path: str) -> None:
    """Python's decoder raises RecursionError (not a ValueError) past about 1,000 levels."""
    body = "[" * 100_000 + "]" * 100_000
    response = await client.post(
        path, content=body, headers={**ADMIN, "content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert_error_shape(response)


def test_every_router_decodes_json_bodies_through_the_strict_decoder() -> None:
    routers = [
        value
        for info in pkgutil.iter_modules(app.routers.__path__)
        for value in vars(importlib.import_module(f"app.routers.{info.name}")).values()
        if isinstance(value, APIRouter)
    ]
    assert len(routers) >= 10
    routes = [route for router in routers for route in router.routes]
    assert [str(r) for r in routes if not isinstance(r, JSONRoute)] == []
