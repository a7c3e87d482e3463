"""Coverage reports as background jobs: 202, progress, the same report as in the request,
resumed after its runner died (a real `router worker` killed), failed with a reason,
deleted after the retention."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.config import Settings
from app.conversations.retention import remove_expired
from app.db import utcnow
from app.kb import coverage_jobs
from app.kb.coverage import MAX_QUESTIONS
from app.kb.coverage_runner import CoverageRunner
from app.kb.models import CoverageJob
from app.main import create_app
from tests.bot.kb_fixture import load_test_kb
from tests.conftest import ADMIN_TOKEN, make_settings
from tests.faults.harness import router_env, wait_for

ROOT = Path(__file__).resolve().parents[2]
SYNC_LIMIT = 10
QUESTIONS = [
    "saya lupa password akun gimana kak",
    "harga saham hari ini",
    "harga saham besok",
    "cuaca jakarta hari ini",
    "cara minta refund uang saya",
    "paket saya kapan tiba",
    "berapa lama pengiriman ke medan",
    "gmn cr refund kak",
    "halo",
    "lupa password",
    "apakah bisa bayar pakai cicilan",
    "cuaca bandung besok",
]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, coverage_sync_max_questions=SYNC_LIMIT)


def runner(app: FastAPI, **kwargs: Any) -> CoverageRunner:
    """The runner `router serve` / `router worker` start, driven by hand (workers are off)."""
    return CoverageRunner(
        app.state.sessionmaker,
        app.state.kb,
        app.state.settings,
        writer_queue=app.state.sqlite_writer_queue,
        **kwargs,
    )


async def _post(client: httpx.AsyncClient, admin: dict[str, str], **kwargs: Any) -> httpx.Response:
    return await client.post("/api/v1/kb/coverage", headers=admin, **kwargs)


async def _job(client: httpx.AsyncClient, admin: dict[str, str], location: str) -> Any:
    r = await client.get(location, headers=admin)
    assert r.status_code == 200, r.text
    return r.json()


@asynccontextmanager
async def _app(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


async def _sync_report(settings: Settings, questions: list[str]) -> Any:
    """The report in the request, by an app that answers any size synchronously."""
    async with _app(
        settings.model_copy(update={"coverage_sync_max_questions": MAX_QUESTIONS})
    ) as client:
        r = await client.post(
            "/api/v1/kb/coverage",
            json={"questions": questions},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert r.status_code == 200, r.text
        return r.json()


async def test_a_large_upload_is_a_job_whose_report_equals_the_requests(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await load_test_kb(client, admin_headers)
    small = await _post(client, admin_headers, json={"questions": QUESTIONS[:SYNC_LIMIT]})
    assert small.status_code == 200
    assert small.json()["total"] == SYNC_LIMIT

    r = await _post(client, admin_headers, json={"questions": QUESTIONS})
    assert r.status_code == 202, r.text
    job = r.json()
    location = r.headers["location"]
    assert location == f"/api/v1/kb/coverage/{job['id']}"
    assert job["status"] == "queued"
    assert (job["total"], job["done"], job["report"], job["error"]) == (
        len(QUESTIONS),
        0,
        None,
        None,
    )
    assert (await _job(client, admin_headers, location))["status"] == "queued"

    assert await runner(app, chunk=5).run_pending() == 1
    done = await _job(client, admin_headers, location)
    assert (done["status"], done["done"], done["error"]) == ("done", len(QUESTIONS), None)
    assert done["finished_at"] is not None
    assert done["report"] == await _sync_report(settings, QUESTIONS)
    assert done["report"]["answer"] > 0
    assert done["report"]["groups"]


async def test_background_on_request_and_csv(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await load_test_kb(client, admin_headers)
    body = "pertanyaan\n" + "\n".join(QUESTIONS[:3]) + "\n"
    r = await client.post(
        "/api/v1/kb/coverage?background=true&groups=1",
        content=body.encode(),
        headers={**admin_headers, "content-type": "text/csv"},
    )
    assert r.status_code == 202, r.text
    await runner(app).run_pending()
    report = (await _job(client, admin_headers, r.headers["location"]))["report"]
    assert [i["text"] for i in report["items"]] == QUESTIONS[:3]
    assert len(report["groups"]) == 1


async def test_bad_uploads_and_unknown_jobs_are_clear_4xx(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    cases = [
        ({"json": {"questions": []}}, 422, "no_questions"),
        ({"json": {"questions": ["halo"] * (MAX_QUESTIONS + 1)}}, 413, "too_many_questions"),
        ({"json": {"questions": [1, 2]}}, 422, "validation_error"),
        ({"json": {"questions": "halo"}}, 422, "validation_error"),
        ({"json": ["halo"]}, 422, "validation_error"),
        (
            {
                "content": b"\xff\xfehalo",
                "headers": {**admin_headers, "content-type": "text/plain"},
            },
            422,
            "invalid_csv",
        ),
    ]
    for kwargs, status, code in cases:
        for query in ("", "?background=true"):
            assert isinstance(kwargs, dict)
            r = await client.post(
                "/api/v1/kb/coverage" + query, **{"headers": admin_headers, **kwargs}
            )
            assert r.status_code == status, (query, r.text)
            assert r.json()["error"]["code"] == code
    async with app.state.sessionmaker() as session:
        assert list(await session.scalars(select(CoverageJob))) == []  # nothing queued
    for job_id in ("0" * 32, "nope", "x" * 300):
        r = await client.get(f"/api/v1/kb/coverage/{job_id}", headers=admin_headers)
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"


async def test_a_job_whose_runner_was_killed_is_resumed_by_another(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A real `router worker` runs the job and is killed (SIGKILL: no cleanup) mid-way; its
    lease runs out and this process's runner resumes where the killed one saved last."""
    await load_test_kb(client, admin_headers)
    # Saved about once a second: enough questions for a few saves on an idle machine.
    questions = [f"{q} nomor {n}" for n in range(1000) for q in QUESTIONS][:12000]
    r = await _post(client, admin_headers, json={"questions": questions})
    assert r.status_code == 202, r.text
    location = r.headers["location"]
    env = router_env(
        database_url,
        "http://127.0.0.1:9",
        kb_semantic="false",
        coverage_lease_seconds="1",
        worker_nice="0",
        migrate_on_start="false",
    )
    env["PYTHONPATH"] = str(ROOT)
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "worker", env=env, cwd=ROOT
    )
    try:
        status: dict[str, Any] = {}

        async def progressing() -> bool:
            status.update(await _job(client, admin_headers, location))
            return status["status"] == "running" and status["done"] > 0

        await wait_for(progressing, timeout=120, interval=0.05, what="the worker's progress")
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        await worker.wait()
    killed_at = await _job(client, admin_headers, location)
    assert killed_at["status"] == "running"
    assert 0 < killed_at["done"] < len(questions)  # progress, in chunks

    # Its lease is still valid: not claimed yet. Once it ran out, this runner resumes it.
    quick = settings.model_copy(update={"coverage_lease_seconds": 1.0})
    resumer = CoverageRunner(
        app.state.sessionmaker, app.state.kb, quick, writer_queue=app.state.sqlite_writer_queue
    )
    await asyncio.sleep(1.5)
    with caplog.at_level(logging.INFO, logger="app.kb.coverage"):
        assert await resumer.run_pending() == 1
    resumed = [r for r in caplog.records if r.getMessage() == "coverage job resumed"]
    assert [getattr(r, "done", None) for r in resumed] == [killed_at["done"]]
    done = await _job(client, admin_headers, location)
    assert (done["status"], done["done"]) == ("done", len(questions))
    async with app.state.sessionmaker() as session:
        job = await session.get(CoverageJob, done["id"])
        assert job is not None
        assert job.attempts == 2
    assert done["report"] == await _sync_report(settings, questions)


async def test_a_runner_stopped_in_order_hands_the_job_back(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await load_test_kb(client, admin_headers)
    questions = [f"{q} nomor {n}" for n in range(100) for q in QUESTIONS]
    r = await _post(client, admin_headers, json={"questions": questions})
    location = r.headers["location"]
    task = asyncio.create_task(runner(app, chunk=20, save_seconds=0).run_pending())

    async def progressing() -> bool:
        return bool((await _job(client, admin_headers, location))["done"] > 0)

    await wait_for(progressing, timeout=60, interval=0.02, what="progress")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    back = await _job(client, admin_headers, location)
    assert back["status"] == "queued"
    assert 0 < back["done"] < len(questions)
    assert await runner(app).run_pending() == 1  # at once: no lease to wait for
    assert (await _job(client, admin_headers, location))["status"] == "done"


async def test_a_job_whose_runners_keep_dying_fails_with_a_reason(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    r = await _post(client, admin_headers, json={"questions": QUESTIONS}, params={"background": 1})
    location = r.headers["location"]
    lease = timedelta(seconds=30)
    now = utcnow()
    for attempt in range(coverage_jobs.MAX_ATTEMPTS):
        # Each claim's runner "dies": it never renews, and the lease runs out.
        async with app.state.sessionmaker() as session, session.begin():
            claimed = await coverage_jobs.claim_job(session, now=now, lease=lease)
            assert claimed is not None
            assert claimed.attempts == attempt + 1
            assert await coverage_jobs.claim_job(session, now=now, lease=lease) is None
        now += lease + timedelta(seconds=1)
    async with app.state.sessionmaker() as session, session.begin():
        assert await coverage_jobs.claim_job(session, now=now, lease=lease) is None
    failed = await _job(client, admin_headers, location)
    assert failed["status"] == "failed"
    assert failed["report"] is None
    assert "stopped 3 times" in failed["error"]


async def test_finished_jobs_are_deleted_after_the_retention(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    await load_test_kb(client, admin_headers)
    old, recent, waiting = [
        (await _post(client, admin_headers, json={"questions": QUESTIONS})).json()["id"]
        for _ in range(3)
    ]
    async with app.state.sessionmaker() as session, session.begin():
        for job_id in (old, recent):
            job = await session.get(CoverageJob, job_id)
            assert job is not None
            job.status = coverage_jobs.FAILED
            job.finished_at = utcnow() - timedelta(days=1 if job_id == recent else 8)
    removed = await remove_expired(app.state.sessionmaker, settings, now=utcnow())
    assert removed == 1
    for job_id, status in ((old, 404), (recent, 200), (waiting, 200)):
        r = await client.get(f"/api/v1/kb/coverage/{job_id}", headers=admin_headers)
        assert r.status_code == status
