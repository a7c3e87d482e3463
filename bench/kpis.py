"""KPI and SLA statistics benchmark (a script, not a test): the conversations of
``bench/stats.py`` (1,000,000 by default), plus SLA policies, a service-level row for every
handoff (a fifth of them missed), breaches, next-response waits, teams, and CES/NPS answers;
then each of ``/api/v1/stats/kpis`` and ``/api/v1/stats/sla`` is timed through the real app
for the year and the last 30 days, with and without filters. Target: under 1 s each. The
self-service endpoint is timed in the same run as the baseline.

    .venv/bin/python bench/kpis.py --backends postgres            # 1,000,000 conversations
    .venv/bin/python bench/kpis.py --conversations 100000 --backends sqlite
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from app.main import create_app
from bench.stats import TOKEN, Seeded, periods, run_cli

TEAMS = 4
POLICIES = 3
MARK = "bench_kpis_seeded"

# INSERT ... SELECT over the seeded handoffs and outcomes: the same text on both databases.
# The first is migration 0020's backfill of the FCR column (bench/stats.py seeds without it).
STATEMENTS = [
    "UPDATE outcomes SET next_conversation_at = (SELECT min(c.created_at) FROM conversations c"
    " WHERE c.contact_id = outcomes.contact_id AND c.created_at > outcomes.conversation_created_at"
    " AND c.id <> outcomes.conversation_id)",
    f"INSERT INTO teams (id, name, categories, auto_assign, created_at) SELECT n, 'Tim ' || n,"
    f" '[]', false, CURRENT_TIMESTAMP FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3"
    f" UNION ALL SELECT {TEAMS}) AS t",
    "INSERT INTO sla_policies (id, name, first_response_s, next_response_s, resolution_s,"
    " business_hours, channels, teams, position, created_at, updated_at) SELECT n,"
    " 'Kebijakan ' || n, 900 * n, 1800, 86400, true, '[]', '[]', n, CURRENT_TIMESTAMP,"
    " CURRENT_TIMESTAMP FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) AS p",
    f"UPDATE handoffs SET team_id = 1 + id % {TEAMS}",
    "INSERT INTO handoff_slas (handoff_id, policy_id, policy_name, business_hours,"
    " first_response_s, next_response_s, resolution_s, first_response_due_at,"
    " resolution_due_at, first_response_status, next_response_status, resolution_status,"
    " status, check_at, checked_at, created_at)"
    f" SELECT id, 1 + id % {POLICIES}, 'Kebijakan ' || (1 + id % {POLICIES}), true, 900, 1800,"
    " 86400, created_at, created_at,"
    " CASE WHEN status = 'waiting' THEN NULL WHEN id % 5 = 0 THEN 'missed' ELSE 'hit' END,"
    " CASE WHEN status = 'waiting' THEN NULL WHEN id % 7 = 0 THEN 'missed' ELSE 'hit' END,"
    " CASE WHEN status = 'waiting' THEN NULL ELSE 'hit' END,"
    " CASE WHEN status = 'waiting' THEN 'active' WHEN id % 5 = 0 OR id % 7 = 0 THEN 'missed'"
    " ELSE 'hit' END,"
    " CASE WHEN status = 'waiting' THEN created_at END, created_at, created_at FROM handoffs",
    "INSERT INTO sla_events (handoff_id, kind, metric, due_at, at) SELECT handoff_id,"
    " 'breach', 'first_response', first_response_due_at, first_response_due_at"
    " FROM handoff_slas WHERE first_response_status = 'missed'",
    "INSERT INTO handoff_reply_waits (handoff_id, customer_at, replied_at, seconds)"
    " SELECT id, first_agent_reply_at, resolved_at, 30 + id % 900 FROM handoffs"
    " WHERE resolved_at IS NOT NULL AND id % 2 = 0",
    "INSERT INTO survey_responses (conversation_id, contact_id, handoff_id, team_id, kind,"
    " source, channel, conversation_created_at, asked_at, score, answered_at)"
    " SELECT o.conversation_id, o.contact_id, h.id, h.team_id, 'nps', 'agent', o.channel,"
    " o.conversation_created_at, h.resolved_at,"
    " CASE WHEN h.id % 3 = 0 THEN NULL ELSE h.id % 11 END, h.resolved_at"
    " FROM handoffs h JOIN outcomes o ON o.conversation_id = h.conversation_id"
    " WHERE h.resolved_at IS NOT NULL",
    "INSERT INTO survey_responses (conversation_id, contact_id, kind, source, channel,"
    " conversation_created_at, asked_at, score, answered_at)"
    " SELECT conversation_id, contact_id, 'ces', 'bot', channel, conversation_created_at,"
    " recorded_at, 1 + conversation_id % 7, recorded_at FROM outcomes"
    " WHERE outcome = 'deflected_confirmed' AND conversation_id % 2 = 0",
]


async def seed_service_levels(url: str) -> None:
    """Once per database (``--reuse`` keeps a PostgreSQL one seeded)."""
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        done = await connection.execute(
            text("SELECT count(*) FROM sla_policies WHERE name = 'Kebijakan 1'")
        )
        if done.scalar_one():
            await engine.dispose()
            return
        started = time.perf_counter()
        for statement in STATEMENTS:
            await connection.execute(text(statement))
    analyze = "VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"
    options = {"isolation_level": "AUTOCOMMIT"} if url.startswith("postgresql") else {}
    async with engine.execution_options(**options).connect() as connection:
        await connection.execute(text(analyze))
        counts = {
            table: (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
            for table in ("handoff_slas", "sla_events", "handoff_reply_waits", "survey_responses")
        }
    await engine.dispose()
    rows = ", ".join(f"{table} {n:,}" for table, n in counts.items())
    print(f"  seeded service levels in {time.perf_counter() - started:.1f} s: {rows}")


async def run(seeded: Seeded) -> None:
    await seed_service_levels(seeded.url)
    settings = Settings(
        database_url=seeded.url, admin_token=TOKEN, migrate_on_start=False, run_workers=False
    )
    app = create_app(settings)
    year, month = periods(seeded.now)
    cases = [
        ("self-service (year): baseline", "self-service", year),
        ("kpis (year)", "kpis", year),
        ("kpis (30 days)", "kpis", month),
        ("kpis (year, channel whatsapp)", "kpis", {**year, "channel": "whatsapp"}),
        ("kpis (year, team 2)", "kpis", {**year, "team": "2"}),
        ("sla (year)", "sla", year),
        ("sla (30 days)", "sla", month),
        ("sla (year, channel whatsapp)", "sla", {**year, "channel": "whatsapp"}),
        ("sla (year, team 2)", "sla", {**year, "team": "2"}),
        ("export.csv (30 days, with KPI columns)", "export.csv", month),
    ]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers, timeout=600
        ) as client:
            baseline = None
            for label, path, params in cases:
                best = float("inf")
                for _ in range(3):
                    started = time.perf_counter()
                    response = await client.get(f"/api/v1/stats/{path}", params=params)
                    best = min(best, time.perf_counter() - started)
                    response.raise_for_status()
                baseline = baseline or best
                print(f"  {label:<42} {best * 1000:8.0f} ms  {best / baseline:5.2f}x")


def main() -> None:
    run_cli(__doc__ or "", run, backends="sqlite,postgres", pg_database="router_bench_kpis")


if __name__ == "__main__":
    main()
