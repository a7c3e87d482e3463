"""The editor reviews a learned wording on ``/kb`` (issue 30): accepting it makes it a
variant of its article. Real ``router serve`` and headless chromium, like test_kb_page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.config import Settings
from app.db import create_engine, create_sessionmaker, utcnow
from app.learning.models import LearnedPhrasing
from app.migrate import upgrade
from tests.bot.kb_fixture import ARTICLES
from tests.browser.test_kb_page import TOKEN, Browser, _api, _article, _shot
from tests.serve import running_service

pytestmark = pytest.mark.browser

WORDING = "duit aku balik kapan sis"
SLUG = "refund-dana"


async def _propose(database_url: str) -> None:
    engine = create_engine(Settings(database_url=database_url))
    async with create_sessionmaker(engine)() as session:
        now = utcnow()
        session.add(
            LearnedPhrasing(
                slug=SLUG,
                text=WORDING,
                text_key="k" * 64,
                source="chosen_suggestion",
                count=3,
                customers=2,
                status="pending",
                pulls=[],
                first_seen=now,
                last_seen=now,
            )
        )
        await session.commit()
    await engine.dispose()


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[str]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"
    engine = create_engine(Settings(database_url=database_url))
    await upgrade(engine)
    await engine.dispose()
    async with running_service(tmp_path, database_url, TOKEN, ROUTER_KB_SEMANTIC="false") as base:
        await _api(base, "POST", "/api/v1/kb/import", json={"articles": ARTICLES})
        await _propose(database_url)
        yield base


async def test_an_editor_accepts_a_learned_wording(service: str, chromium: str) -> None:
    browser = Browser(service, chromium)
    async with browser as page:
        row = page.locator("[data-test=learned-row]")
        await row.first.wait_for()
        # What the answer threshold is and what it was chosen from.
        line = await page.locator("[data-test=kb-calibration]").text_content()
        assert line is not None
        assert line.startswith("Bot menjawab bila keyakinannya minimal")
        await page.locator("#confusable-panel").scroll_into_view_if_needed()
        await _shot(page, "kb-learning")
        assert WORDING in await row.first.text_content()
        await row.first.locator("[data-test=learned-accept]").click()
        await page.wait_for_function(
            "() => document.querySelector('[data-test=learned-row] .done')?.textContent"
        )
    assert WORDING in (await _article(service, SLUG))["variants"]
    listed = (await _api(service, "GET", "/api/v1/kb/learned")).json()["items"]
    assert [i["status"] for i in listed] == ["accepted"]
    assert browser.problems == []
