"""The KPIs against a scripted set of conversations whose values are worked out by hand.

Six customers in December 2026 (UTC):
- A: deflected (confirmed) Dec 2 10:05, never back: bot FCR.
- B: deflected (assumed) Dec 2 12:00, back Dec 3 09:00 (21 h later, unresolved): not FCR.
- C: deflected Dec 3 08:10, back Dec 7 09:00 (more than 72 h later, still open): FCR.
- D: handoff 09:05 -> claimed 09:10 -> replied 09:15 -> resolved 10:10 on Dec 4, CSAT 5,
  team "Billing", waits for next replies 120 s and 300 s: human FCR.
- E: handoff 10:00 -> 10:20 -> 10:30 -> resolved 12:00 on Dec 4, CSAT 3, a wait of 60 s,
  back Dec 5 08:00 (20 h later, only a greeting): not FCR.
- F (WhatsApp): handoff Dec 5 09:00 -> 09:30 -> replied 10:00, still open.
NPS answers 10, 9, 9, 8, 3 (one question unanswered); CES answers 7, 6, 2 (one unanswered).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.kpis import kpi_stats
from app.analytics.periods import Period
from app.conversations.models import Contact, Conversation
from app.escalation.models import Handoff
from app.sla.models import ReplyWait
from app.surveys.models import SurveyResponse
from app.teams.models import Team
from app.types import Channel, ConversationStatus, HandoffStatus, OutcomeKind
from tests.factories import make_contact, make_conversation, make_handoff_record, make_outcome

PERIOD = {"from": "2026-12-01T00:00:00Z", "to": "2026-12-10T00:00:00Z"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


async def _conversation(
    session: AsyncSession, contact: Contact, created: datetime, outcome: OutcomeKind | None,
    recorded: datetime | None = None,
) -> Conversation:  # fmt: skip
    conversation = await make_conversation(session, contact=contact, created_at=created)
    if outcome is not None:
        await make_outcome(
            session, conversation=conversation, outcome=outcome, recorded_at=recorded or created
        )
        if outcome != OutcomeKind.escalated:
            conversation.status = ConversationStatus.closed.value
            conversation.closed_at = recorded or created
    return conversation


async def _handoff(
    session: AsyncSession, contact: Contact, times: list[datetime], csat: int | None,
    waits: list[float] = (),  # type: ignore[assignment]
    team: Team | None = None,
) -> Handoff:  # fmt: skip
    conversation = await _conversation(session, contact, times[0], OutcomeKind.escalated)
    created, claimed, replied, *rest = times
    handoff = await make_handoff_record(
        session,
        conversation=conversation,
        status=HandoffStatus.resolved if rest else HandoffStatus.assigned,
        created_at=created,
        claimed_at=claimed,
        first_agent_reply_at=replied,
        resolved_at=rest[0] if rest else None,
        csat_score=csat,
    )
    handoff.team_id = team.id if team else None
    if rest:
        conversation.status = ConversationStatus.closed.value
        conversation.closed_at = rest[0]
    for seconds in waits:
        session.add(
            ReplyWait(
                handoff_id=handoff.id,
                customer_at=replied,
                replied_at=replied + timedelta(seconds=seconds),
                seconds=seconds,
            )
        )
    return handoff


def _answer(conversation: Conversation, kind: str, score: int | None) -> SurveyResponse:
    return SurveyResponse(
        conversation_id=conversation.id,
        contact_id=conversation.contact_id,
        kind=kind,
        source="agent",
        channel=conversation.channel,
        conversation_created_at=conversation.created_at,
        asked_at=conversation.created_at,
        score=score,
        answered_at=None if score is None else conversation.created_at,
    )


@pytest.fixture
async def scripted(session: AsyncSession) -> int:
    """The conversations above; returns team Billing's id."""
    team = Team(name="Billing", categories=[], created_at=at(1, 0))
    session.add(team)
    await session.flush()
    a, b, c, d, e = [await make_contact(session) for _ in range(5)]
    f = await make_contact(session, channel=Channel.whatsapp)
    survey_in = await _conversation(
        session, a, at(2, 10), OutcomeKind.deflected_confirmed, at(2, 10, 5)
    )
    await _conversation(session, b, at(2, 11), OutcomeKind.deflected_assumed, at(2, 12))
    await _conversation(session, b, at(3, 9), OutcomeKind.unresolved, at(3, 10))
    await _conversation(session, c, at(3, 8), OutcomeKind.deflected_confirmed, at(3, 8, 10))
    await _conversation(session, c, at(7, 9), None)
    await _handoff(
        session, d, [at(4, 9, 5), at(4, 9, 10), at(4, 9, 15), at(4, 10, 10)], 5, [120, 300], team
    )
    await _handoff(session, e, [at(4, 10), at(4, 10, 20), at(4, 10, 30), at(4, 12)], 3, [60])
    await _conversation(session, e, at(5, 8), OutcomeKind.no_request)
    await _handoff(session, f, [at(5, 9), at(5, 9, 30), at(5, 10)], None)
    for score in (10, 9, 9, 8, 3, None):
        session.add(_answer(survey_in, "nps", score))
    for score in (7, 6, 2, None):
        session.add(_answer(survey_in, "ces", score))
    await session.commit()
    return team.id


async def _kpis(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    response = await client.get("/api/v1/stats/kpis", params=PERIOD | params, headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_every_kpi_as_worked_out_by_hand(
    client: httpx.AsyncClient, admin_headers: dict[str, str], scripted: int
) -> None:
    kpis = await _kpis(client, admin_headers)
    # Ended: bot A, B, C (2 without a return), human D, E (1 without).
    assert kpis["fcr"] == {"overall": 60.0, "bot": 66.7, "human": 50.0, "window_hours": 72}
    assert kpis["first_response_p50_s"] == 1800.0  # 600, 1800, 3600
    assert kpis["next_response_p50_s"] == 120.0  # 60, 120, 300
    assert kpis["resolution_p50_s"] == 5550.0  # 3900, 7200
    assert kpis["aht_p50_s"] == 4800.0  # 3600, 6000
    # Rated: 3 deflected, 3 escalated, 1 unresolved (the greeting is no request).
    assert kpis["escalation_rate"] == 42.86
    assert kpis["self_service_rate"] == 42.86
    assert kpis["csat"] == {"avg": 4.0, "count": 2}
    assert kpis["ces"] == {"avg": 5.0, "count": 3}
    # 3 promoters, 1 passive, 1 detractor: 60 % - 20 %.
    assert kpis["nps"] == {
        "score": 40.0,
        "promoters": 3,
        "passives": 1,
        "detractors": 1,
        "count": 5,
    }


async def test_filters_by_channel_and_team(
    client: httpx.AsyncClient, admin_headers: dict[str, str], scripted: int
) -> None:
    whatsapp = await _kpis(client, admin_headers, channel="whatsapp")
    assert whatsapp["fcr"]["overall"] is None  # nothing ended there
    assert whatsapp["first_response_p50_s"] == 3600.0
    assert whatsapp["escalation_rate"] == 100.0
    assert whatsapp["nps"]["count"] == 0
    billing = await _kpis(client, admin_headers, team=str(scripted))
    assert billing["fcr"] == {"overall": 100.0, "bot": None, "human": 100.0, "window_hours": 72}
    assert billing["csat"] == {"avg": 5.0, "count": 1}
    assert billing["aht_p50_s"] == 3600.0
    assert billing["next_response_p50_s"] == 210.0  # 120 and 300


async def test_a_shorter_window_turns_the_returns_into_first_contact_resolutions(
    app: FastAPI, scripted: int
) -> None:
    period = Period(at(1, 0), at(10, 0))
    async with app.state.sessionmaker() as session:
        kpis = await kpi_stats(session, period=period, channel=None, team=None, fcr_window_hours=12)
    assert (kpis.fcr.bot, kpis.fcr.human, kpis.fcr.overall) == (100.0, 100.0, 100.0)


async def test_an_empty_period_has_nulls_not_zeros(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    kpis = await _kpis(client, admin_headers)
    assert kpis["fcr"]["overall"] is None
    assert kpis["aht_p50_s"] is None
    assert kpis["nps"]["score"] is None
    assert kpis["csat"] == {"avg": None, "count": 0}


async def test_bad_filters_are_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for params in ({"channel": "fax"}, {"team": "abc"}, {"from": "kemarin"}):
        response = await client.get("/api/v1/stats/kpis", params=params, headers=admin_headers)
        assert response.status_code == 422, response.text
        assert "error" in response.json()


async def test_the_csv_export_gains_the_kpi_columns_after_the_old_ones(
    client: httpx.AsyncClient, admin_headers: dict[str, str], scripted: int
) -> None:
    import csv
    import io

    from app.analytics.export import COLUMNS
    from app.analytics.kpi_export import KPI_COLUMNS

    response = await client.get("/api/v1/stats/export.csv", params=PERIOD, headers=admin_headers)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    header = response.text.splitlines()[0].split(",")
    assert header[: len(COLUMNS) - len(KPI_COLUMNS)][-2:] == ["csat_score", "csat_comment"]
    assert header[-len(KPI_COLUMNS) :] == list(KPI_COLUMNS)
    by_start = {row["created_at"][:16]: row for row in rows}
    d = by_start["2026-12-04T09:05"]
    assert (d["first_response_s"], d["resolution_s"], d["aht_s"]) == ("600", "3900", "3600")
    assert d["first_contact_resolution"] == "yes"
    assert by_start["2026-12-04T10:00"]["first_contact_resolution"] == "no"  # E came back
    assert by_start["2026-12-02T10:00"]["first_contact_resolution"] == "yes"  # A
    assert by_start["2026-12-02T11:00"]["first_contact_resolution"] == "no"  # B came back
    assert by_start["2026-12-03T09:00"]["first_contact_resolution"] == ""  # unresolved
    assert by_start["2026-12-05T09:00"]["first_contact_resolution"] == ""  # still open
    assert (
        by_start["2026-12-02T10:00"]["nps_score"],
        by_start["2026-12-02T10:00"]["ces_score"],
    ) == (
        "3",
        "2",
    )  # the last answers of that conversation


async def test_a_customer_who_comes_back_is_no_first_contact_resolution(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    from tests.bot.kb_fixture import load_test_kb
    from tests.bot.test_conversations import REFUND_QUESTION
    from tests.surveys.test_flow import Customer

    await load_test_kb(client, admin_headers)
    customer = Customer(app)
    await customer.say(REFUND_QUESTION)
    await customer.say(action="helpful_yes")  # deflected: the conversation ends
    ever = {"from": "2020-01-01", "to": "2100-01-01"}  # the customer's clock runs ahead
    first = await client.get("/api/v1/stats/kpis", params=ever, headers=admin_headers)
    assert first.json()["fcr"]["bot"] == 100.0
    await customer.say("Berapa lama waktu pengiriman paket?")  # back: a new conversation
    kpis = (await client.get("/api/v1/stats/kpis", params=ever, headers=admin_headers)).json()
    assert kpis["fcr"]["bot"] == 0.0
