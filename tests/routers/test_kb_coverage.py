"""POST /api/v1/kb/coverage: the real matcher over a list of past questions."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.config import Settings
from app.kb.coverage import MAX_QUESTIONS
from app.metrics import MATCHER_DECISIONS
from bench.coverage import longest_stall
from tests.bot.kb_fixture import load_test_kb
from tests.conftest import make_settings

ANSWERED = "saya lupa password akun gimana kak"
OFF_TOPIC = ["harga saham hari ini", "harga saham besok", "cuaca jakarta hari ini"]


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Every report here in the request, however large (jobs: test_kb_coverage_jobs.py).
    return make_settings(database_url, coverage_sync_max_questions=MAX_QUESTIONS)


async def _report(client: httpx.AsyncClient, admin: dict[str, str], **kwargs: Any) -> Any:
    kwargs.setdefault("headers", admin)
    r = await client.post("/api/v1/kb/coverage", **kwargs)
    assert r.status_code == 200, r.text
    return r.json()


async def test_json_questions_get_the_bots_decisions_and_groups(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await load_test_kb(client, admin_headers)
    questions = [ANSWERED, *OFF_TOPIC, "  "]
    report = await _report(client, admin_headers, json={"questions": questions})

    assert report["total"] == 4  # the blank one is skipped
    assert report["answer"] + report["suggest"] + report["none"] == 4
    first = report["items"][0]
    search = await client.get("/api/v1/kb/search", params={"q": ANSWERED}, headers=admin_headers)
    assert first == {
        "text": ANSWERED,
        "decision": search.json()["decision"],
        "slug": search.json()["matches"][0]["slug"],
    }
    assert first["decision"] == "answer"
    assert first["slug"] == "reset-kata-sandi"
    unanswered = [i["text"] for i in report["items"] if i["decision"] != "answer"]
    assert set(unanswered) == set(OFF_TOPIC)
    assert all(i["slug"] is None for i in report["items"] if i["decision"] == "none")
    # Grouped like the gaps: the two share price questions, largest group first.
    assert sum(g["count"] for g in report["groups"]) == len(unanswered)
    assert report["groups"][0]["count"] == 2
    assert set(report["groups"][0]["examples"]) == {"harga saham hari ini", "harga saham besok"}


async def test_a_csv_or_text_file_one_question_per_line(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await load_test_kb(client, admin_headers)
    bodies = {
        "text/csv": "\ufeffpertanyaan\n" + ANSWERED + '\n"harga saham, hari ini"\n\n',
        "text/plain; charset=utf-8": ANSWERED + "\r\n\r\nharga saham, hari ini\r\n",
    }
    for content_type, body in bodies.items():
        report = await _report(
            client,
            admin_headers,
            content=body.encode(),
            headers={**admin_headers, "content-type": content_type},
        )
        assert [i["text"] for i in report["items"]] == [ANSWERED, "harga saham, hari ini"]


async def test_bad_and_oversized_uploads_are_clear_4xx(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    cases = [
        ({"json": {"questions": "x"}}, 422, "validation_error"),
        ({"json": {"questions": [1, 2]}}, 422, "validation_error"),
        ({"json": {"questions": []}}, 422, "no_questions"),
        ({"content": b"{nope"}, 422, "invalid_json"),
        ({"json": {"questions": ["x" * 5000]}}, 422, "invalid_question"),
        ({"json": {"questions": ["halo"] * (MAX_QUESTIONS + 1)}}, 413, "too_many_questions"),
        (
            {"content": b"\xff\xfe", "headers": {**admin_headers, "content-type": "text/csv"}},
            422,
            "invalid_csv",
        ),
    ]
    for kwargs, status, code in cases:
        assert isinstance(kwargs, dict)
        kwargs.setdefault("headers", admin_headers)
        r = await client.post("/api/v1/kb/coverage", **kwargs)
        assert r.status_code == status, (kwargs.keys(), r.text)
        assert r.json()["error"]["code"] == code


async def test_coverage_is_not_counted_as_customer_decisions(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await load_test_kb(client, admin_headers)
    before = MATCHER_DECISIONS.labels("answer", "words")._value.get()
    await _report(client, admin_headers, json={"questions": [ANSWERED] * 5})
    assert MATCHER_DECISIONS.labels("answer", "words")._value.get() == before


async def test_a_large_report_leaves_the_event_loop_to_other_requests(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await load_test_kb(client, admin_headers)
    questions = [f"{ANSWERED} nomor {i}" for i in range(3000)] + OFF_TOPIC * 300
    stall = await longest_stall(_report(client, admin_headers, json={"questions": questions}))
    assert stall.result["total"] == len(questions)
    assert stall.ticks > 50
    # The loop ran all along; no single stall near the whole report's duration.
    assert stall.longest < stall.elapsed / 5
