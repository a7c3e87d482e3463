"""Conversations API benchmark (a script, not a test): seeds N conversations the way
``bench/stats.py`` does and times pages of ``GET /api/v1/conversations`` and one
``GET /api/v1/conversations/{id}``.

    .venv/bin/python bench/conversations.py                  # 1,000,000 on PostgreSQL
    .venv/bin/python bench/conversations.py --conversations 50000 --backends sqlite,postgres

Each case goes through the real app (ASGI, auth, JSON); the best of five runs is printed,
next to two baselines from the same run: ``GET /api/v1/agents`` (20 rows: what auth and
JSON cost on their own), and the same cases again after dropping migration 0011's indexes
(what they buy). Target: under 200 ms a page on PostgreSQL at 1,000,000 conversations.
"""

from __future__ import annotations

import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.analytics.keyset import Key, encode_cursor
from app.config import Settings
from app.main import create_app
from bench.stats import NOW, TOKEN, run_cli, seeded_database

RUNS = 5
INDEXES_0011 = (
    "ix_messages_customer_text",
    "ix_outcomes_article_slug_created_at",
    "ix_conversations_open_created_at",
)
YEAR = {"from": (NOW - timedelta(days=365)).isoformat(), "to": NOW.isoformat()}
MONTH = {"from": (NOW - timedelta(days=30)).isoformat(), "to": NOW.isoformat()}
# Wordings bench/stats.py generates (each about 1 in 324 conversations): a gap's examples.
GAP = ["cara pakai voucher kak", "cara pakai voucher", "cara pakai voucher ya"]
MIDDLE = encode_cursor(Key(NOW - timedelta(days=180), 2**62))
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("first page, all time", "", {}),
    ("first page, 30 days", "", MONTH),
    ("page 6 months deep (cursor)", "", {"cursor": MIDDLE}),
    ("200 rows", "", {"limit": "200"}),
    ("channel=whatsapp", "", {**YEAR, "channel": "whatsapp"}),
    ("outcome=escalated", "", {**YEAR, "outcome": "escalated"}),
    ("outcome=escalated&reason=frustration", "", {**YEAR, "reason": "frustration"}),
    ("outcome=open (rare)", "", {"outcome": "open"}),
    ("article=article-7", "", {**YEAR, "article": "article-7"}),
    ("article=article-7&outcome=escalated", "", {**YEAR, "article": "article-7",
                                                  "outcome": "escalated"}),
    ("text=<gap wording>, year", "", {**YEAR, "text": GAP[0]}),
    ("text=<3 gap wordings>, 30 days", "", {**MONTH, "text": GAP}),
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


async def time_cases(database_url: str) -> tuple[float, list[float]]:
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
            for _label, suffix, params in CASES:
                path = "/api/v1/conversations" + suffix.format(id=some_id)
                results.append(await _best(client, path, params))
    return baseline, results


async def drop_0011_indexes(url: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        for name in INDEXES_0011:
            await connection.execute(text(f"DROP INDEX {name}"))
        await connection.execute(text("ANALYZE"))
    await engine.dispose()


async def run_backend(backend: str, conversations: int, pg_database: str) -> None:
    url, path = await seeded_database(backend, conversations, pg_database)
    baseline, indexed = await time_cases(url)
    await drop_0011_indexes(url)
    _, without = await time_cases(url)
    print(f"  {'baseline: GET /api/v1/agents (20 rows)':<42} {baseline * 1000:8.1f} ms")
    print(f"  {'case':<42} {'ms':>8} {'without 0011':>14}")
    for (label, _, _), seconds, slower in zip(CASES, indexed, without, strict=True):
        print(f"  {label:<42} {seconds * 1000:8.1f} {slower * 1000:11.1f} ms")
    if path is not None:
        shutil.rmtree(path.parent, ignore_errors=True)


def main() -> None:
    run_cli(
        __doc__ or "", run_backend, backends="postgres", pg_database="router_bench_conversations"
    )


if __name__ == "__main__":
    main()
