"""The statistics API on a scripted set of conversations (see tests/analytics/scenario.py)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.types import OutcomeKind
from tests.analytics.scenario import FROM, GAP_A, TO, Scenario, build_scenario
from tests.factories import bearer, make_agent, make_conversation, make_inbound, make_outcome

PERIOD = {"from": FROM, "to": TO}


@pytest.fixture
async def scenario(session: AsyncSession) -> Scenario:
    return await build_scenario(session)


async def _get(client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = await client.get(f"/api/v1/stats/{path}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.usefixtures("scenario")
async def test_self_service_counts_rates_and_reasons(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = await _get(client, "self-service", admin_headers, **PERIOD)

    assert {k: body[k] for k in ("total", "deflected", "escalated", "unresolved", "open")} == {
        "total": 10,
        "deflected": 4,
        "escalated": 5,
        "unresolved": 1,
        "open": 1,
    }
    assert (body["deflected_confirmed"], body["deflected_assumed"]) == (3, 1)
    assert body["no_request"] == 1
    assert body["self_service_rate"] == 40.0
    assert body["escalation_rate"] == 50.0
    # c3's customer came back within 24 h and escalated; c1's came back after 31 h.
    assert body["durable_deflected"] == 3
    assert body["durable_self_service_rate"] == 30.0
    assert body["recontact_window_hours"] == 24
    assert "deflected_confirmed + deflected_assumed" in body["formula"]
    assert body["escalation_reasons"] == {
        "button": 1,
        "customer_request": 1,
        "repeated_miss": 1,
        "frustration": 1,
        "not_helpful": 1,
        "order": 0,
        "form": 0,
        "external_agent": 0,
    }
    channels = body["by_channel"]
    assert {
        c: (v["total"], v["deflected"], v["self_service_rate"]) for c, v in channels.items()
    } == {
        "webchat": (4, 3, 75.0),
        "whatsapp": (4, 1, 25.0),
        "messenger": (2, 0, 0.0),
        "instagram": (0, 0, None),
        "chatwoot": (0, 0, None),
    }
    assert channels["webchat"]["open"] == 1
    assert channels["webchat"]["no_request"] == 1
    assert body["from"] == "2026-03-01T17:00:00Z"
    assert body["to"] == "2026-03-04T17:00:00Z"
    assert body["series"] is None


@pytest.mark.usefixtures("scenario")
async def test_channel_filter(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    body = await _get(client, "self-service", admin_headers, channel="whatsapp", **PERIOD)

    assert (body["total"], body["deflected_assumed"], body["escalated"]) == (4, 1, 3)
    assert body["self_service_rate"] == 25.0
    assert list(body["by_channel"]) == ["whatsapp"]
    assert body["escalation_reasons"]["not_helpful"] == 1
    assert body["escalation_reasons"]["repeated_miss"] == 0
    assert body["durable_deflected"] == 0


@pytest.mark.usefixtures("scenario")
async def test_daily_and_weekly_series_in_local_time(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = await _get(client, "self-service", admin_headers, granularity="day", **PERIOD)

    days = [
        (p["period_start"], p["total"], p["deflected"], p["open"], p["self_service_rate"])
        for p in body["series"]
    ]
    assert days == [
        ("2026-03-02T00:00:00+07:00", 5, 3, 0, 60.0),
        ("2026-03-03T00:00:00+07:00", 3, 0, 0, 0.0),
        ("2026-03-04T00:00:00+07:00", 2, 1, 1, 50.0),
    ]
    weekly = await _get(client, "self-service", admin_headers, granularity="week", **PERIOD)
    assert [(p["period_start"], p["total"]) for p in weekly["series"]] == [
        ("2026-03-02T00:00:00+07:00", 10)
    ]


@pytest.mark.usefixtures("scenario")
async def test_period_boundaries(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    # c12 was created at 23:59:59 local on the 1st, one second before `from`.
    before = await _get(
        client, "self-service", admin_headers, **{"from": "2026-03-01T23:59:59+07:00", "to": TO}
    )
    assert before["total"] == 11
    assert before["escalation_reasons"]["button"] == 2
    # c14 was created exactly at `to` (half-open periods); c13's outcome was recorded on the
    # 5th but it was created on the 4th, so it counts on the 4th.
    last_day = await _get(client, "self-service", admin_headers, **{"from": "2026-03-04"})
    assert (last_day["deflected_confirmed"], last_day["open"]) == (2, 1)
    fourth = await _get(client, "self-service", admin_headers, **{"from": "2026-03-04", "to": TO})
    assert (fourth["total"], fourth["deflected_confirmed"]) == (2, 1)


@pytest.mark.usefixtures("scenario")
async def test_empty_period_gives_null_rates(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    params = {"from": "2025-01-01", "to": "2025-01-02", "granularity": "day"}
    body = await _get(client, "self-service", admin_headers, **params)

    assert body["total"] == 0
    assert body["self_service_rate"] is None
    assert body["escalation_rate"] is None
    assert body["durable_self_service_rate"] is None
    assert [p["self_service_rate"] for p in body["series"]] == [None, None]
    articles = await _get(client, "articles", admin_headers, **params)
    assert articles["items"] == []
    gaps = await _get(client, "gaps", admin_headers, **params)
    assert gaps["items"] == []
    agents = await _get(client, "agents", admin_headers, **params)
    assert agents["overall"]["claim_p50_s"] is None
    assert agents["overall"]["handoffs"] == 0


@pytest.mark.usefixtures("scenario")
async def test_article_funnel_worst_first(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = await _get(client, "articles", admin_headers, **PERIOD)

    assert [item["slug"] for item in body["items"]] == ["refund", "ongkir"]
    refund, ongkir = body["items"]
    assert refund == {
        "slug": "refund",
        "question": "Bagaimana cara refund?",
        "served": 4,
        "helpful": 1,
        "not_helpful": 1,
        "escalated_after": 2,
        "deflected": 2,
        "ended": 4,
        "self_service_rate": 50.0,
    }
    assert ongkir["question"] is None  # not (or no longer) in the knowledge base
    # Presses count when they happen: c13's "helpful" came after `to`, c14's serving too.
    assert (ongkir["served"], ongkir["helpful"], ongkir["escalated_after"]) == (2, 1, 0)
    assert ongkir["self_service_rate"] == 100.0


@pytest.mark.usefixtures("scenario")
async def test_gaps_grouped_largest_first(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = await _get(client, "gaps", admin_headers, **PERIOD)

    assert [(g["example"], g["count"]) for g in body["items"]][:1] == [(GAP_A, 3)]
    assert [g["count"] for g in body["items"]] == [3, 2, 1, 1]
    assert sorted(body["items"][1]["examples"]) == ["cara tukar poin reward", "tukar poin reward"]
    assert [g["example"] for g in body["items"][2:]] == [
        "kirim ke luar negeri bisa",
        "refund belum masuk",
    ]
    assert sorted(body["items"][0]["examples"]) == ["Jam buka toko offline kak?", GAP_A]
    assert body["texts_read"] == 7
    # Nobody in these groups confirmed an article: they are answers the KB lacks.
    assert [g["confirmed_articles"] for g in body["items"]] == [[], [], [], []]
    limited = await _get(client, "gaps", admin_headers, limit=1, **PERIOD)
    assert len(limited["items"]) == 1


async def test_gaps_name_the_article_their_customers_confirmed(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    """A wording the matcher was unsure of, whose customers then confirmed an article, is a
    variant that article lacks; assumed deflections and other outcomes do not count."""
    at = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
    asked = [
        ("biaya kirim ke bandung berapa", "suggest", OutcomeKind.deflected_confirmed, "ongkir"),
        ("biaya kirim ke bandung berapa", "none", OutcomeKind.deflected_confirmed, "ongkir"),
        ("biaya kirim ke bandung berapa ya", "suggest", OutcomeKind.deflected_confirmed, "tarif"),
        ("biaya kirim ke bandung berapa", "suggest", OutcomeKind.deflected_assumed, "tarif"),
        ("biaya kirim ke bandung berapa", "none", OutcomeKind.unresolved, None),
        ("jam buka toko offline", "none", OutcomeKind.deflected_assumed, "jam-buka"),
    ]
    for minute, (text, understood, outcome, slug) in enumerate(asked):
        conversation = await make_conversation(session, created_at=at)
        await make_inbound(
            session,
            conversation=conversation,
            text=text,
            understood_as=understood,
            created_at=at + timedelta(minutes=minute),
        )
        await make_outcome(
            session,
            conversation=conversation,
            outcome=outcome,
            article_slug=slug,
            recorded_at=at + timedelta(minutes=minute, seconds=30),
        )
    await session.commit()

    body = await _get(client, "gaps", admin_headers, **PERIOD)

    assert [(g["count"], g["confirmed_articles"]) for g in body["items"]] == [
        (5, [{"slug": "ongkir", "count": 2}, {"slug": "tarif", "count": 1}]),
        (1, []),
    ]


async def test_agent_kpis(
    client: httpx.AsyncClient, admin_headers: dict[str, str], scenario: Scenario
) -> None:
    body = await _get(client, "agents", admin_headers, **PERIOD)

    overall = body["overall"]
    assert overall["waiting_now"] == 1
    assert overall["oldest_waiting_s"] > 0
    assert (overall["handoffs"], overall["resolved"]) == (5, 2)
    assert (overall["claim_p50_s"], overall["claim_p90_s"]) == (120.0, 474.0)
    assert (overall["first_reply_p50_s"], overall["first_reply_p90_s"]) == (120.0, 264.0)
    assert overall["resolution_p50_s"] == 900.0
    assert (overall["csat_avg"], overall["csat_count"]) == (4.0, 2)
    agents = {a["name"]: a for a in body["agents"]}
    ani, budi = agents["Ani"], agents["Budi"]
    assert ani["id"] == scenario.agents["ani"].id
    assert (ani["claim_p50_s"], ani["claim_p90_s"]) == (120.0, 168.0)
    assert (ani["first_reply_p50_s"], ani["first_reply_p90_s"]) == (210.0, 282.0)
    assert (ani["resolution_p50_s"], ani["csat_avg"], ani["assigned_now"]) == (900.0, 4.0, 0)
    assert (budi["claim_p50_s"], budi["claim_p90_s"]) == (315.0, 543.0)
    assert (budi["first_reply_p50_s"], budi["first_reply_p90_s"]) == (90.0, 90.0)
    assert (budi["resolution_p50_s"], budi["csat_avg"], budi["csat_count"]) == (None, None, 0)
    assert (budi["handoffs"], budi["assigned_now"]) == (2, 2)


async def test_export_csv_one_row_per_conversation(
    client: httpx.AsyncClient, admin_headers: dict[str, str], scenario: Scenario
) -> None:
    response = await client.get("/api/v1/stats/export.csv", headers=admin_headers)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(scenario.conversations) == 14
    c4 = next(r for r in rows if int(r["conversation_id"]) == scenario.conversations["c4"].id)
    assert (c4["channel"], c4["outcome"], c4["reason"]) == ("whatsapp", "escalated", "not_helpful")
    assert c4["articles_served"] == "refund"
    assert c4["handoff_created_at"] == "2026-03-02T06:10:00+00:00"
    assert c4["handoff_resolved_at"] == "2026-03-02T06:20:00+00:00"
    assert (c4["agent_id"], c4["csat_score"]) == (str(scenario.agents["ani"].id), "5")
    c8 = next(r for r in rows if int(r["conversation_id"]) == scenario.conversations["c8"].id)
    assert (c8["outcome"], c8["handoff_created_at"], c8["articles_served"]) == ("", "", "")
    in_period = await client.get("/api/v1/stats/export.csv", params=PERIOD, headers=admin_headers)
    assert len(list(csv.DictReader(io.StringIO(in_period.text)))) == 12


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "yesterday"}, "invalid_date"),
        ({"from": "2026-03-05", "to": "2026-03-01"}, "invalid_period"),
        ({"to": "2026-13-01"}, "invalid_date"),
        ({"channel": "telegram"}, "validation_error"),
        ({"granularity": "hour"}, "validation_error"),
        ({"from": "2020-01-01", "to": "2026-01-01", "granularity": "day"}, "too_many_periods"),
    ],
)
async def test_bad_input_is_422(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    params: dict[str, str],
    code: str,
) -> None:
    response = await client.get("/api/v1/stats/self-service", params=params, headers=admin_headers)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize("path", ["self-service", "articles", "gaps", "agents", "export.csv"])
async def test_admin_only(client: httpx.AsyncClient, session: AsyncSession, path: str) -> None:
    _, token = await make_agent(session)
    await session.commit()

    anonymous = await client.get(f"/api/v1/stats/{path}")
    as_agent = await client.get(f"/api/v1/stats/{path}", headers=bearer(token))

    assert anonymous.status_code == 401
    assert as_agent.status_code == 403
    assert as_agent.json()["error"]["code"] == "forbidden"


async def test_bad_dates_on_every_endpoint(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for path in ("articles", "gaps", "agents", "export.csv"):
        response = await client.get(
            f"/api/v1/stats/{path}", params={"from": "2026-02-30"}, headers=admin_headers
        )
        assert response.status_code == 422, path


async def test_export_pages_through_equal_timestamps(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    session: AsyncSession,
    scenario: Scenario,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    same_moment = scenario.conversations["c1"].created_at
    for _ in range(4):
        await make_conversation(session, created_at=same_moment)
    await session.commit()
    monkeypatch.setattr("app.analytics.export.PAGE_SIZE", 3)

    response = await client.get("/api/v1/stats/export.csv", headers=admin_headers)

    ids = [int(r["conversation_id"]) for r in csv.DictReader(io.StringIO(response.text))]
    assert len(ids) == len(set(ids)) == 18
    created = [r["created_at"] for r in csv.DictReader(io.StringIO(response.text))]
    assert created == sorted(created)
