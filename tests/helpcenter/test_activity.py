"""Help-center activity: events accepted, refused (422) and limited (429); views counted
once per visitor, article and day and never for crawlers; no write on a page's request;
the statistics of a scripted set of visits, and the overall self-service rate."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.helpcenter.models import HelpEvent
from app.main import create_app
from app.types import OutcomeKind
from tests.conftest import make_settings
from tests.factories import make_conversation, make_outcome
from tests.helpcenter.conftest import ARTICLES, BROWSER

pytestmark = pytest.mark.usefixtures("kb")
GOOGLEBOT = {
    "user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
}


async def _views(session: AsyncSession) -> int:
    statement = select(func.count()).select_from(HelpEvent).where(HelpEvent.type == "view")
    count = int(await session.scalar(statement) or 0)
    await session.rollback()  # SQLite: an open transaction holds the write lock
    return count


async def _post(client: httpx.AsyncClient, body: dict[str, Any], **headers: str) -> httpx.Response:
    return await client.post("/api/v1/help/events", json=body, headers={**BROWSER, **headers})


async def test_a_view_counts_once_per_visitor_article_and_day(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    for _ in range(3):
        r = await _post(client, {"type": "view", "slug": "ongkir", "visitor": "visitor-one"})
        assert r.status_code == 202
        assert r.json()["counted"] is True
    await _post(client, {"type": "view", "slug": "ongkir", "visitor": "visitor-two"})
    await _post(client, {"type": "view", "slug": "pengembalian-dana", "visitor": "visitor-one"})
    assert await app.state.help.activity.flush() == 3
    # Again after the flush: the database's unique key holds it to once.
    await _post(client, {"type": "view", "slug": "ongkir", "visitor": "visitor-one"})
    await app.state.help.activity.flush()
    assert await _views(session) == 3
    # Without a visitor id: the same browser and address is the same visitor that day.
    await _post(client, {"type": "view", "slug": "ongkir"})
    await _post(client, {"type": "view", "slug": "ongkir"})
    await app.state.help.activity.flush()
    assert await _views(session) == 4
    # The next day counts again.
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    app.state.help.activity.add("view", visitor="visitor-one", at=tomorrow, slug="ongkir")
    await app.state.help.activity.flush()
    assert await _views(session) == 5


async def test_crawlers_are_never_counted(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    for agent in (GOOGLEBOT["user-agent"], "curl/8.5.0", "facebookexternalhit/1.1", ""):
        r = await client.post(
            "/api/v1/help/events",
            json={"type": "view", "slug": "ongkir", "visitor": "crawler-x1"},
            headers={"user-agent": agent},
        )
        assert r.status_code == 202
        assert r.json()["counted"] is False
    await client.get("/help/search", params={"q": "refund"}, headers=GOOGLEBOT)
    await app.state.help.activity.flush()
    assert await session.scalar(select(func.count()).select_from(HelpEvent)) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"type": "view", "slug": "tidak-ada"},
        {"type": "view", "slug": "lama-tidak-aktif"},  # inactive: not on the help center
        {"type": "view"},
        {"type": "download", "slug": "ongkir"},
        {"type": "vote", "slug": "ongkir"},
        {"type": "search_click", "slug": "ongkir"},
        {"type": "view", "slug": "ongkir", "extra": 1},
        {"type": "view", "slug": "../etc/passwd"},
    ],
)
async def test_events_that_cannot_be_counted_are_422(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    r = await _post(client, body)
    assert r.status_code == 422, r.text
    assert set(r.json()["error"]) >= {"code", "message"}


async def test_event_floods_are_limited_without_losing_the_page(settings: Settings) -> None:
    app = create_app(make_settings(settings.database_url, help_events_per_minute=5))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            codes = [
                (await _post(c, {"type": "contact", "visitor": "flooder-1"})).status_code
                for _ in range(8)
            ]
            limited = await _post(c, {"type": "contact"})
            page = await c.get("/help")
    assert codes[:5] == [202] * 5
    assert codes[5:] == [429] * 3
    assert limited.json()["error"]["code"] == "rate_limited"
    assert "retry-after" in limited.headers
    assert page.status_code == 200


@contextmanager
def _writes(app: FastAPI) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            statements.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


async def test_pages_and_events_write_nothing_on_their_request(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    with _writes(app) as writes:
        for path in ("/help", "/help/a/ongkir", "/help/c/akun", "/help/search?q=refund"):
            assert (await client.get(path, headers=BROWSER)).status_code == 200
        await _post(client, {"type": "view", "slug": "ongkir"})
        await client.get("/api/v1/help/search", params={"q": "ongkir"}, headers=BROWSER)
    assert writes == []
    assert app.state.help.activity.pending == 3  # one view, two searches: written later
    with _writes(app) as writes:
        await app.state.help.activity.flush()
    assert len(writes) == 1  # one batched insert


DAY1 = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)  # 10:00 in Jakarta
DAY2 = DAY1 + timedelta(days=1)


def _script(app: FastAPI) -> None:
    """Five visits over two days; two of them contacted the team."""
    add = app.state.help.activity.add
    minute = timedelta(minutes=1)
    # A, day 1: searched, clicked the answer, read it, found it helpful. Not contacted.
    add("search", visitor="A", at=DAY1, search_id="s1", query="refund kapan", decision="answer")
    add("search_click", visitor="A", at=DAY1 + minute, slug="pengembalian-dana", search_id="s1")
    add("view", visitor="A", at=DAY1 + minute, slug="pengembalian-dana")
    add("vote", visitor="A", at=DAY1 + 2 * minute, slug="pengembalian-dana", helpful=True)
    # B, day 1: read twice (one view), not helpful, then opened the chat.
    b = DAY1 + timedelta(hours=1)
    add("view", visitor="B", at=b, slug="lupa-kata-sandi")
    add("view", visitor="B", at=b + minute, slug="lupa-kata-sandi")
    add("vote", visitor="B", at=b + minute, slug="lupa-kata-sandi", helpful=False)
    add("contact", visitor="B", at=b + 30 * minute, slug="lupa-kata-sandi")
    # C, day 1: two searches without a result. Not contacted.
    c = DAY1 + timedelta(hours=2)
    add("search", visitor="C", at=c, search_id="s2", query="jadwal gerhana", decision="none")
    add("search", visitor="C", at=c, search_id="s3", query="jadwal gerhana bulan", decision="none")
    # A again on day 2: a second visit.
    add("view", visitor="A", at=DAY2, slug="ongkir")
    # D, day 2 at 23:00 Jakarta, contacts at 05:00 the next morning (within 24 h).
    d = DAY2 + timedelta(hours=13)
    add("view", visitor="D", at=d, slug="ongkir")
    add("contact", visitor="D", at=d + timedelta(hours=6))


async def test_help_stats_of_a_scripted_set_of_visits(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _script(app)
    await app.state.help.activity.flush()
    r = await client.get(
        "/api/v1/stats/help",
        params={"from": "2026-11-01", "to": "2026-11-02"},
        headers=admin_headers,
    )
    assert r.status_code == 200, r.text
    stats = r.json()
    assert stats["visits"] == 5
    assert stats["visits_contacted"] == 2
    assert stats["help_self_service_rate"] == 60.0
    assert stats["views"] == 4
    assert stats["searches"] == 3
    assert stats["searches_no_result"] == 2
    assert stats["search_click_through"] == 33.33
    assert stats["votes"] == {"helpful": 1, "not_helpful": 1}
    by_slug = {a["slug"]: a for a in stats["articles"]}
    assert by_slug["ongkir"] == {
        "slug": "ongkir",
        "views": 2,
        "helpful": 0,
        "not_helpful": 0,
        "contacted_after": 1,
    }
    assert by_slug["lupa-kata-sandi"]["contacted_after"] == 1
    assert by_slug["pengembalian-dana"]["helpful"] == 1
    assert next(a["slug"] for a in stats["articles"]) == "ongkir"  # most viewed first
    [group] = stats["no_result"]
    assert group["count"] == 2
    assert sorted(group["examples"]) == ["jadwal gerhana", "jadwal gerhana bulan"]
    # Only day 1: A, B and C.
    day1 = await client.get(
        "/api/v1/stats/help",
        params={"from": "2026-11-01", "to": "2026-11-01"},
        headers=admin_headers,
    )
    assert (day1.json()["visits"], day1.json()["visits_contacted"]) == (3, 1)
    assert (await client.get("/api/v1/stats/help")).status_code == 401


async def test_overall_rate_counts_every_support_need_once(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, admin_headers: dict[str, str]
) -> None:
    _script(app)  # 3 visits without a contact
    await app.state.help.activity.flush()
    outcomes = [
        OutcomeKind.deflected_confirmed,
        OutcomeKind.deflected_assumed,
        OutcomeKind.escalated,
        OutcomeKind.unresolved,
    ]
    for n, outcome in enumerate(outcomes):
        conversation = await make_conversation(session, created_at=DAY1 + timedelta(minutes=n))
        await make_outcome(session, conversation=conversation, outcome=outcome)
    await session.commit()
    period = {"from": "2026-11-01", "to": "2026-11-02"}
    r = await client.get("/api/v1/stats/self-service", params=period, headers=admin_headers)
    data = r.json()
    assert data["self_service_rate"] == 50.0
    # (2 deflected + 3 uncontacted visits) / (2 + 1 + 1 + 3) x 100
    assert data["overall_self_service_rate"] == 71.43
    per_channel = await client.get(
        "/api/v1/stats/self-service", params={**period, "channel": "webchat"}, headers=admin_headers
    )
    assert per_channel.json()["overall_self_service_rate"] is None


def test_articles_fixture_has_an_inactive_one() -> None:
    assert any(a.get("active") is False for a in ARTICLES)


async def test_the_csv_export_carries_the_same_numbers(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _script(app)
    await app.state.help.activity.flush()
    period = {"from": "2026-11-01", "to": "2026-11-02"}
    plain = await client.get("/api/v1/stats/export.csv", params=period, headers=admin_headers)
    r = await client.get(
        "/api/v1/stats/export.csv", params={**period, "sections": "help"}, headers=admin_headers
    )
    assert r.status_code == 200
    conversations, section = r.text.split("\n\n", 1)
    assert conversations + "\n" == plain.text  # the rows and columns as before
    rows = dict(line.split(",", 1) for line in section.strip().splitlines())
    assert rows["help_center"] == "value"
    assert (rows["visits"], rows["visits_contacted"]) == ("5", "2")
    assert rows["help_self_service_rate"] == "60.0"
    assert rows["overall_self_service_rate"] == "100.0"  # no conversations: 3 alone / 3
    assert rows["article_views:ongkir"] == "2"
    assert rows["no_result:jadwal gerhana"] == "2"
    bad = await client.get(
        "/api/v1/stats/export.csv", params={"sections": "x"}, headers=admin_headers
    )
    assert bad.status_code == 422
