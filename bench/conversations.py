"""Conversations API benchmark (a script, not a test): seeds N conversations the way
``bench/stats.py`` does and times pages of ``GET /api/v1/conversations`` and one
``GET /api/v1/conversations/{id}``.

    .venv/bin/python bench/conversations.py                  # 1,000,000 on PostgreSQL
    .venv/bin/python bench/conversations.py --conversations 50000 --backends sqlite,postgres
    BENCH_PG_DATABASE=router_mine_bench .venv/bin/python bench/conversations.py --reuse

Each case goes through the real app (ASGI, auth, JSON); the best of five runs is printed,
next to two baselines from the same run: ``GET /api/v1/agents`` (20 rows: what auth and
JSON cost on their own), and the same cases again with the list's own indexes dropped
(migrations 0011 and 0013: what they buy; created again afterwards, so ``--reuse`` can keep
the database).
Target: under 200 ms a page on PostgreSQL at 1,000,000 conversations.
"""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.analytics.keyset import Key, encode_cursor
from app.config import Settings
from app.main import create_app
from bench.stats import ASKS, TAILS, TOKEN, TOPICS, Seeded, periods, run_cli

RUNS = 5
# What the list's own indexes buy (migrations 0011 and 0013; the "without" column).
INDEXES = (
    "ix_messages_customer_text",
    "ix_messages_customer_text_md5",
    "ix_messages_article_slug_created_at",
    "ix_outcomes_article_slug_created_at",
    "ix_conversations_open_created_at",
)
# Wordings bench/stats.py generates (each about 1 in 324 conversations): a gap's examples.
GAP = ["cara pakai voucher kak", "cara pakai voucher", "cara pakai voucher ya"]
# Ten wordings at once (the API's most), 1 in 32 conversations: common enough that walking
# the conversations beats collecting the matches (app/analytics/message_matches.py).
COMMON = [f"{ask} {topic}{tail}" for ask in ASKS[:1] for topic in TOPICS[:2] for tail in TAILS[:5]]
Case = tuple[str, str, dict[str, Any]]


def cases(now: datetime) -> list[Case]:
    """(label, path suffix, query) for data seeded up to ``now``."""
    year, month = periods(now)
    middle = encode_cursor(Key(now - timedelta(days=180), 2**62))
    return [
        ("first page, all time", "", {}),
        ("first page, 30 days", "", month),
        ("page 6 months deep (cursor)", "", {"cursor": middle}),
        ("200 rows", "", {"limit": "200"}),
        ("channel=whatsapp", "", {**year, "channel": "whatsapp"}),
        ("outcome=escalated", "", {**year, "outcome": "escalated"}),
        ("outcome=escalated&reason=frustration", "", {**year, "reason": "frustration"}),
        ("outcome=open (rare)", "", {"outcome": "open"}),
        ("article=article-7 (served), year", "", {**year, "article": "article-7"}),
        ("article=article-7 (served), 30 days", "", {**month, "article": "article-7"}),
        ("article=article-7&rated=not_helpful, year", "", {**year, "article": "article-7",
                                                            "rated": "not_helpful"}),
        ("article=article-7&outcome=escalated", "", {**year, "article": "article-7",
                                                      "outcome": "escalated"}),
        ("text=<gap wording>, year", "", {**year, "text": GAP[0]}),
        ("text=<3 gap wordings>, 30 days", "", {**month, "text": GAP}),
        ("text=<10 wordings>, year (3 % match)", "", {**year, "text": COMMON}),
        ("one conversation with transcript", "/{id}", {}),
    ]  # fmt: skip


async def _best(client: httpx.AsyncClient, path: str, params: dict[str, Any]) -> float:
    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        response = await client.get(path, params=params)
        best = min(best, time.perf_counter() - started)
        response.raise_for_status()
    return best


async def time_cases(database_url: str, now: datetime) -> tuple[float, list[float]]:
    settings = Settings(
        database_url=database_url, admin_token=TOKEN, migrate_on_start=False, run_workers=False
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers, timeout=600
        ) as client:
            baseline = await _best(client, "/api/v1/agents", {})
            escalated = await client.get(
                "/api/v1/conversations", params={"outcome": "escalated", "limit": "1"}
            )
            some_id = escalated.json()["items"][0]["id"]
            results = []
            for _label, suffix, params in cases(now):
                path = "/api/v1/conversations" + suffix.format(id=some_id)
                results.append(await _best(client, path, params))
    return baseline, results


@asynccontextmanager
async def without_indexes(url: str, names: Sequence[str]) -> AsyncIterator[None]:
    """The database with these indexes dropped, created again afterwards (so a seeded
    database stays reusable)."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        definitions = [
            await connection.scalar(
                text(
                    "SELECT sql FROM sqlite_master WHERE name = :name"
                    if url.startswith("sqlite")
                    else "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
                ),
                {"name": name},
            )
            for name in names
        ]
        for name in names:
            await connection.execute(text(f"DROP INDEX IF EXISTS {name}"))
        await connection.execute(text("ANALYZE"))
        try:
            yield
        finally:
            for definition in definitions:
                if definition is not None:
                    await connection.execute(text(definition))
            await connection.execute(text("ANALYZE"))
    await engine.dispose()


async def run_backend(seeded: Seeded) -> None:
    baseline, indexed = await time_cases(seeded.url, seeded.now)
    async with without_indexes(seeded.url, INDEXES):
        _, without = await time_cases(seeded.url, seeded.now)
    print(f"  {'baseline: GET /api/v1/agents (20 rows)':<42} {baseline * 1000:8.1f} ms")
    print(f"  {'case':<42} {'ms':>8} {'without the list indexes':>26}")
    for (label, _, _), seconds, slower in zip(cases(seeded.now), indexed, without, strict=True):
        print(f"  {label:<42} {seconds * 1000:8.1f} {slower * 1000:23.1f} ms")


def main() -> None:
    run_cli(
        __doc__ or "", run_backend, backends="postgres", pg_database="router_bench_conversations"
    )


if __name__ == "__main__":
    main()
