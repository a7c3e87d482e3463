"""The KB page's coverage test for a large upload: a background job whose progress the page
follows until the report, and a failed job's reason (real `router serve`, real chromium)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.config import Settings
from app.db import create_engine, create_sessionmaker, utcnow
from app.kb.coverage_jobs import FAILED, new_job
from tests.bot.kb_fixture import ARTICLES
from tests.browser.test_kb_page import TOKEN, Browser, _api, _seed, _shot
from tests.serve import running_service

pytestmark = pytest.mark.browser

QUESTIONS = [
    "gmn cara minta refund uang saya kak",
    "harga saham hari ini",
    "harga saham besok",
    "lupa password akun",
    "paket saya kapan tiba",
]
REASON = "RuntimeError: the encoder crashed"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"


@pytest.fixture
async def service(tmp_path: Path, database_url: str) -> AsyncIterator[str]:
    """The workers on (inline, SQLite), and every upload over 2 questions a job."""
    await _seed(database_url)
    async with running_service(
        tmp_path,
        database_url,
        TOKEN,
        ROUTER_KB_SEMANTIC="false",
        ROUTER_RUN_WORKERS="true",
        ROUTER_COVERAGE_SYNC_MAX_QUESTIONS="2",
    ) as base:
        await _api(base, "POST", "/api/v1/kb/import", json={"articles": ARTICLES})
        yield base


async def _failed_job(database_url: str) -> str:
    """A job as a runner leaves it when its work raised."""
    engine = create_engine(Settings(database_url=database_url))
    async with create_sessionmaker(engine)() as session, session.begin():
        job = new_job(QUESTIONS, groups=50, now=utcnow())
        job.status, job.error, job.finished_at = FAILED, REASON, utcnow()
        session.add(job)
    await engine.dispose()
    return job.id


@pytest.mark.parametrize("width", [1280, 390])
async def test_a_large_upload_shows_progress_then_the_report(
    chromium: str, service: str, database_url: str, tmp_path: Path, width: int
) -> None:
    from playwright.async_api import expect

    questions = [f"{q} nomor {n}" for n in range(120) for q in QUESTIONS]
    upload = tmp_path / "pertanyaan.csv"
    upload.write_text("pertanyaan\n" + "\n".join(questions) + "\n", encoding="utf-8")
    browser = Browser(service, chromium)
    async with browser as page:
        await page.set_viewport_size({"width": width, "height": 844 if width < 500 else 900})
        await page.set_input_files("#coverage-file", str(upload))
        await page.click("#coverage-run")
        progress = page.locator("[data-test=coverage-progress]")
        await expect(progress).to_be_visible()
        await expect(progress).to_contain_text(f"{len(questions)} pertanyaan")
        await _shot(page, f"kb-coverage-progress-{width}")
        report = page.locator("[data-test=coverage-report]")
        await expect(report.locator("[data-test=coverage-total] b")).to_have_text(
            str(len(questions)), timeout=60_000
        )
        await expect(progress).to_have_count(0)
        job_id = await page.evaluate("localStorage.getItem('kb.coverageJob')")
        job = (await _api(service, "GET", f"/api/v1/kb/coverage/{job_id}")).json()
        assert job["status"] == "done"
        answered = await report.locator("[data-test=coverage-answer] b").text_content()
        assert (answered or "").startswith(str(job["report"]["answer"]))
        assert job["report"]["answer"] > 0
        assert "harga saham" in (await report.text_content() or "")
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
        await _shot(page, f"kb-coverage-done-{width}")

        # A failed job shows its reason (the page follows the job it remembers).
        failed = await _failed_job(database_url)
        await page.evaluate(f"localStorage.setItem('kb.coverageJob', '{failed}')")
        await page.reload()
        await page.wait_for_selector("[data-test=article-row]")
        error = page.locator("[data-test=coverage-error]")
        await expect(error).to_contain_text(REASON)
        await expect(error).to_contain_text("Uji cakupan gagal")
        await _shot(page, f"kb-coverage-failed-{width}")
    assert browser.problems == []
    assert browser.failed == set()
