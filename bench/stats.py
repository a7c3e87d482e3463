"""Statistics benchmark (a script, not a test): seeds N conversations and times each stats
endpoint on SQLite and PostgreSQL.

    .venv/bin/python bench/stats.py                       # 1,000,000 conversations
    .venv/bin/python bench/stats.py --conversations 50000 --backends sqlite

PostgreSQL uses its own database (``--pg-database``, or ``BENCH_PG_DATABASE``; default
``router_bench_stats``), recreated each run unless ``--reuse`` finds it seeded with as many
conversations (the seeding time is stored with it, so the periods still match); rows go in
with COPY there and ``executemany`` on SQLite. Each endpoint is requested through the
real app (ASGI, auth, JSON) for the whole year and for the last 30 days; the best of three
runs is printed. Target: under 1 s on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from app.db import create_engine
from app.escalation.models import Agent
from app.kb.models import Article
from app.main import create_app
from app.migrate import upgrade

TOKEN = "bench-token"
PG_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"
CHANNELS = ("whatsapp", "messenger", "webchat")
REASONS = ("button", "customer_request", "repeated_miss", "frustration", "not_helpful")
SLUGS = [f"article-{i}" for i in range(200)]
AGENTS = 20
CHUNK = 50_000
# Synthetic question wording for the gap clustering (not taken from any dataset).
TOPICS = ["voucher", "poin", "cicilan", "garansi", "ongkir", "alamat", "akun", "kurir", "promo"]
ASKS = ["cara pakai", "kenapa gagal", "berapa lama", "bisa ganti", "dimana cek", "syarat"]
TAILS = ["", " kak", " ya", " dong", " min", " sekarang"]

Tables = dict[str, list[tuple[Any, ...]]]
COLUMNS = {
    "contacts": ("id", "channel", "external_id", "language", "created_at"),
    "conversations": (
        "id", "contact_id", "channel", "status", "language", "created_at", "last_customer_at",
        "closed_at", "consecutive_misses", "had_request", "awaiting_csat",
    ),
    "outcomes": (
        "id", "conversation_id", "contact_id", "outcome", "reason", "article_slug", "channel",
        "conversation_created_at", "recorded_at",
    ),
    "messages": (
        "id", "conversation_id", "contact_id", "channel", "direction", "sender", "text",
        "action", "article_slug", "understood_as", "created_at",
    ),
    "handoffs": (
        "id", "conversation_id", "channel", "reason", "status", "priority", "agent_id",
        "created_at", "claimed_at", "first_agent_reply_at", "resolved_at", "csat_score",
    ),
}  # fmt: skip


def generate(conversations: int, now: datetime, seed: int = 1) -> Iterator[Tables]:
    """Rows in chunks over the year before ``now``; a plausible mix of outcomes, articles,
    misses and handoffs."""
    rng = random.Random(seed)
    contacts = max(1, conversations // 3)
    message_id = handoff_id = 0
    for start in range(0, conversations, CHUNK):
        t: Tables = {name: [] for name in COLUMNS}
        for cid in range(start + 1, min(start + CHUNK, conversations) + 1):
            contact = (cid - 1) % contacts + 1
            channel = CHANNELS[contact % 3]
            if cid <= contacts:
                t["contacts"].append((contact, channel, f"c{contact}", "id", now))
            created = now - timedelta(seconds=rng.randrange(365 * 86400))
            last_of_contact = cid > conversations - contacts
            is_open = last_of_contact and rng.random() < 0.03
            roll = rng.random()
            kind = (
                "deflected_confirmed" if roll < 0.35
                else "deflected_assumed" if roll < 0.55
                else "escalated" if roll < 0.75
                else "unresolved" if roll < 0.90
                else "no_request"
            )  # fmt: skip
            slug = rng.choice(SLUGS) if kind.startswith("deflected") or roll < 0.68 else None
            t["conversations"].append(
                (cid, contact, channel, "bot" if is_open else "closed", "id", created,
                 created, None if is_open else created + timedelta(hours=1), 0, True, False)
            )  # fmt: skip
            question = f"{rng.choice(ASKS)} {rng.choice(TOPICS)}{rng.choice(TAILS)}"
            understood = "answer" if slug else rng.choice(("none", "suggest"))
            message_id += 1
            t["messages"].append(
                (message_id, cid, contact, channel, "in", "customer", question, None, None,
                 understood, created)
            )  # fmt: skip
            if slug:
                message_id += 1
                t["messages"].append(
                    (message_id, cid, contact, channel, "out", "bot", "jawaban", None, slug,
                     None, created + timedelta(seconds=2))
                )  # fmt: skip
                if kind != "deflected_assumed":
                    message_id += 1
                    action = "helpful_yes" if kind == "deflected_confirmed" else "helpful_no"
                    t["messages"].append(
                        (message_id, cid, contact, channel, "in", "customer", None, action,
                         slug, "action", created + timedelta(seconds=40))
                    )  # fmt: skip
            if is_open:
                continue
            recorded = created + timedelta(minutes=2 if kind == "escalated" else 60)
            reason = rng.choice(REASONS) if kind == "escalated" else None
            t["outcomes"].append(
                (cid, cid, contact, kind, reason, slug, channel, created, recorded)
            )
            if kind == "escalated":
                handoff_id += 1
                claim = recorded + timedelta(seconds=rng.randrange(5, 1800))
                reply = claim + timedelta(seconds=rng.randrange(5, 300))
                waiting = handoff_id % 20_000 == 0
                t["handoffs"].append(
                    (handoff_id, cid, channel, reason, "waiting" if waiting else "resolved", 0,
                     None if waiting else rng.randrange(1, AGENTS + 1), recorded,
                     None if waiting else claim, None if waiting else reply,
                     None if waiting else reply + timedelta(seconds=rng.randrange(60, 7200)),
                     None if waiting or rng.random() < 0.6 else rng.randrange(1, 6))
                )  # fmt: skip
        yield t


async def seed_reference_rows(database_url: str) -> None:
    engine = create_engine(Settings(database_url=database_url))
    async with engine.begin() as connection:
        await connection.execute(
            insert(Agent),
            [{"name": f"Agent {i}", "token_hash": f"h{i}", "active": True} for i in range(AGENTS)],
        )
        await connection.execute(
            insert(Article),
            [{"slug": s, "question": f"Pertanyaan {s}", "answer": "..."} for s in SLUGS],
        )
    await engine.dispose()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def seed_sqlite(path: Path, conversations: int, now: datetime) -> None:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    for chunk in generate(conversations, now):
        for table, rows in chunk.items():
            columns = COLUMNS[table]
            db.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                ([_sqlite_value(v) for v in row] for row in rows),
            )
        db.commit()
    db.execute("ANALYZE")
    db.close()


async def seed_postgres(database_url: str, conversations: int, now: datetime) -> None:
    engine = create_async_engine(database_url)
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        pg: Any = raw.driver_connection
        for chunk in generate(conversations, now):
            for table, rows in chunk.items():
                await pg.copy_records_to_table(table, records=rows, columns=COLUMNS[table])
        for table in COLUMNS:
            await pg.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
    await engine.dispose()
    engine = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text("VACUUM ANALYZE"))
    await engine.dispose()


async def time_endpoints(database_url: str, now: datetime) -> list[tuple[str, float]]:
    settings = Settings(
        database_url=database_url, admin_token=TOKEN, migrate_on_start=False, run_workers=False
    )
    app = create_app(settings)
    year, month = periods(now)
    cases = [
        ("self-service (year)", "self-service", year),
        ("self-service (year, weekly series)", "self-service", {**year, "granularity": "week"}),
        ("self-service (30 days, daily series)", "self-service", {**month, "granularity": "day"}),
        ("articles (year)", "articles", year),
        ("articles (30 days)", "articles", month),
        ("gaps (year)", "gaps", year),
        ("agents (year)", "agents", year),
        ("agents (30 days)", "agents", month),
        ("export.csv (30 days, streamed)", "export.csv", month),
    ]
    results = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers, timeout=600
        ) as client:
            for label, path, params in cases:
                best = float("inf")
                for _ in range(3):
                    started = time.perf_counter()
                    response = await client.get(f"/api/v1/stats/{path}", params=params)
                    best = min(best, time.perf_counter() - started)
                    response.raise_for_status()
                results.append((label, best))
    return results


@dataclass(frozen=True)
class Seeded:
    """A migrated, seeded database: its URL, the SQLite file's folder to remove afterwards
    (about 1 GB at a million; None on PostgreSQL), and the time the rows were seeded up to."""

    url: str
    folder: Path | None
    now: datetime


def periods(now: datetime) -> tuple[dict[str, str], dict[str, str]]:
    """The whole seeded year and its last 30 days, as ``from``/``to`` query parameters."""
    year = {"from": (now - timedelta(days=365)).isoformat(), "to": now.isoformat()}
    month = {"from": (now - timedelta(days=30)).isoformat(), "to": now.isoformat()}
    return year, month


# Outside the app's schema: what a PostgreSQL bench database was seeded with, for --reuse.
SEED_MARK = "bench_seed"


async def _reusable(pg_database: str, conversations: int) -> datetime | None:
    """When the database exists, seeded with ``conversations``: the time it was seeded up to."""
    engine = create_async_engine(f"{PG_SERVER}/{pg_database}")
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(text(f"SELECT conversations, now FROM {SEED_MARK}"))
            ).one_or_none()
    except Exception:  # no such database or no mark: seed it afresh
        return None
    finally:
        await engine.dispose()
    return row.now if row is not None and row.conversations == conversations else None


async def _fresh_postgres(pg_database: str) -> str:
    admin = create_async_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{pg_database}"'))
    await admin.dispose()
    return f"{PG_SERVER}/{pg_database}"


async def _mark(url: str, conversations: int, now: datetime) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            text(f"CREATE TABLE {SEED_MARK} (conversations integer, now timestamptz)")
        )
        await connection.execute(
            text(f"INSERT INTO {SEED_MARK} VALUES (:n, :now)"), {"n": conversations, "now": now}
        )
    await engine.dispose()


async def _migrate(url: str) -> None:
    engine = create_engine(Settings(database_url=url))
    await upgrade(engine)
    await engine.dispose()


async def seeded_database(
    backend: str, conversations: int, pg_database: str, *, reuse: bool = False
) -> Seeded:
    """A migrated database with ``conversations`` seeded. With ``reuse``, a PostgreSQL database
    seeded earlier with as many is kept (migrations added since are applied to it)."""
    started = time.perf_counter()
    if backend == "postgres" and reuse:
        seeded_at = await _reusable(pg_database, conversations)
        if seeded_at is not None:
            url = f"{PG_SERVER}/{pg_database}"
            await _migrate(url)
            print(f"\n{backend}: reusing {pg_database}, {conversations:,} conversations "
                  f"seeded up to {seeded_at:%Y-%m-%d %H:%M} UTC")  # fmt: skip
            return Seeded(url, None, seeded_at)
    now = datetime.now(UTC).replace(microsecond=0)
    folder: Path | None = None
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="bench-stats-"))
        url = f"sqlite+aiosqlite:///{folder / 'router.db'}"
    else:
        url = await _fresh_postgres(pg_database)
    await _migrate(url)
    await seed_reference_rows(url)
    if folder is not None:
        await asyncio.to_thread(seed_sqlite, folder / "router.db", conversations, now)
    else:
        await seed_postgres(url, conversations, now)
        await _mark(url, conversations, now)
    print(f"\n{backend}: seeded {conversations:,} conversations in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    return Seeded(url, folder, now)


async def run_backend(seeded: Seeded) -> None:
    for label, seconds in await time_endpoints(seeded.url, seeded.now):
        print(f"  {label:<40} {seconds * 1000:8.0f} ms")


def run_cli(
    doc: str,
    run: Callable[[Seeded], Coroutine[Any, Any, None]],
    *,
    backends: str,
    pg_database: str,
) -> None:
    """The command line of a benchmark that seeds like this one (``bench/conversations.py``):
    seeds each backend, runs ``run`` on it, and removes a SQLite file afterwards."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--backends", default=backends)
    parser.add_argument("--pg-database", default=os.environ.get("BENCH_PG_DATABASE", pg_database))
    parser.add_argument(
        "--reuse", action="store_true", help="keep a PostgreSQL database seeded as asked"
    )
    args = parser.parse_args()
    for backend in args.backends.split(","):
        seeded = asyncio.run(
            seeded_database(backend.strip(), args.conversations, args.pg_database, reuse=args.reuse)
        )
        try:
            asyncio.run(run(seeded))
        finally:
            if seeded.folder is not None:
                shutil.rmtree(seeded.folder, ignore_errors=True)


def main() -> None:
    run_cli(
        __doc__ or "", run_backend, backends="sqlite,postgres", pg_database="router_bench_stats"
    )


if __name__ == "__main__":
    main()
