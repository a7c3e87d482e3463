"""Coverage report benchmark (a script, not a test): ``.venv/bin/python bench/coverage.py``.

Imports a dataset's articles through the API into an app on a temporary SQLite database and
takes ``--questions`` distinct questions (the dataset's test messages, each with a filler
word and a number appended so no two are the same string). Per matcher (words only, and
with the default sentence encoder), in one run:

- one by one: ``KnowledgeBase.search`` per question in a worker thread, as the report did
  before batching (the baseline; on the first ``--one-by-one`` questions, the total
  extrapolated when fewer);
- batched: ``KnowledgeBase.search_batch`` over all of them, in a worker thread, with the
  longest event-loop stall meanwhile (a ticker task sleeps 1 ms in a loop: its longest gap
  is what another request would wait; the same for one by one, and for 5 s idle);
- the synchronous request: ``POST /api/v1/kb/coverage`` of ``--sync`` questions (the
  default ``ROUTER_COVERAGE_SYNC_MAX_QUESTIONS``), whose time bounds that setting;
- the background job: ``?background=true``, run by the job runner, polled until done.

Ratios are against the one-by-one baseline of the same matcher in the same run (one by one
and batched: the best of ``--rounds``, taking turns, as the machine is shared). The batched
decisions are checked against the one-by-one ones.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from app.kb.coverage_runner import CoverageRunner
from app.kb.service import KnowledgeBase, SearchResult
from app.main import create_app

# ../shared/datasets next to the checkout (or above it, for a git worktree).
DATASETS = next(
    (
        p / "shared" / "datasets"
        for p in Path(__file__).resolve().parents[1:]
        if (p / "shared" / "datasets").is_dir()
    ),
    Path("shared/datasets"),
)
TOKEN = "bench-token"
FILLERS = ("kak", "min", "dong", "ya", "nih", "gan", "please", "sis")


class Stall:
    def __init__(self, result: Any, gaps: list[float]) -> None:
        self.result, self.ticks = result, len(gaps)
        self.longest, self.elapsed = max(gaps, default=0.0), sum(gaps)


async def longest_stall(work: Any) -> Stall:
    """Await ``work`` while a ticker sleeps 1 ms in a loop: its longest gap is what another
    request would have waited for the event loop."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    try:
        result = await work
    finally:
        done.set()
        await ticker
    return Stall(result, gaps)


def questions(tests: list[dict[str, Any]], n: int) -> list[str]:
    return [f"{tests[i % len(tests)]['text']} {FILLERS[i % len(FILLERS)]} {i}" for i in range(n)]


async def one_by_one_report(
    kb: KnowledgeBase, session: AsyncSession, texts: list[str]
) -> list[SearchResult]:
    """The report's way before batching: ``search`` per question, in a worker thread with an
    event loop of its own (the encoder on the KB's query thread, a hop per question)."""
    return [await kb.search(session, text, limit=1, count=False) for text in texts]


async def measure(
    dataset: Path, n: int, semantic: bool, one_by_one: int, sync: int, rounds: int
) -> str:
    data = json.loads(dataset.read_text(encoding="utf-8"))
    body = questions(data["test"], n)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
            admin_token=TOKEN,
            run_workers=False,
            kb_semantic=semantic,
            max_body_bytes=20 * 1024 * 1024,
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {TOKEN}"}
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", headers=headers, timeout=None
            ) as client:
                r = await client.post("/api/v1/kb/import", json={"articles": data["articles"]})
                r.raise_for_status()
                kb = app.state.kb
                ready = await kb.wait_semantic()
                sample = body[:one_by_one]
                single = batched = float("inf")
                # The machine is shared: the best of a few rounds, the two taking turns.
                for _ in range(rounds):
                    async with app.state.sessionmaker() as session:
                        await kb.refresh(session)
                        started = time.perf_counter()
                        alone = await longest_stall(
                            asyncio.to_thread(asyncio.run, one_by_one_report(kb, session, sample))
                        )
                        singles = alone.result
                        single = min(single, (time.perf_counter() - started) / len(sample))
                    started = time.perf_counter()
                    stall = await longest_stall(asyncio.to_thread(kb.search_batch, body, 1))
                    batched = min(batched, time.perf_counter() - started)
                idle = await longest_stall(asyncio.sleep(5))  # the machine's own noise
                same = all(
                    (a.decision, [m.slug for m in a.matches])
                    == (b.decision, [m.slug for m in b.matches])
                    for a, b in zip(singles, stall.result, strict=False)
                )

                started = time.perf_counter()
                r = await client.post("/api/v1/kb/coverage", json={"questions": body[:sync]})
                r.raise_for_status()
                in_request = time.perf_counter() - started

                started = time.perf_counter()
                r = await client.post(
                    "/api/v1/kb/coverage?background=true", json={"questions": body}
                )
                r.raise_for_status()
                runner = CoverageRunner(
                    app.state.sessionmaker, kb, settings, writer_queue=app.state.sqlite_writer_queue
                )
                await runner.run_pending()
                job = (await client.get(r.headers["location"])).json()
                as_job = time.perf_counter() - started
                assert job["status"] == "done", job
    baseline = single * n
    label = "encoder " + ",".join(settings.kb_encoder_names) if ready else "words only"
    extrapolated = "" if one_by_one >= n else f" (extrapolated from {len(sample)})"
    return (
        f"| {dataset.parent.name}, {len(data['articles'])} articles | {label} | {n:,} "
        f"| {baseline:.1f} s{extrapolated} | {batched:.1f} s ({baseline / batched:.2f}x) "
        f"| {as_job:.1f} s ({baseline / as_job:.2f}x) | {sync:,} in {in_request:.1f} s "
        f"| {1000 * alone.longest:.0f} / {1000 * stall.longest:.0f} ms "
        f"({1000 * idle.longest:.0f} ms idle) | {'yes' if same else 'NO'} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument(
        "--one-by-one", type=int, default=2_000, help="questions searched one by one (baseline)"
    )
    parser.add_argument(
        "--sync",
        type=int,
        default=Settings().coverage_sync_max_questions,
        help="questions in the synchronous request",
    )
    parser.add_argument(
        "--dataset", action="append", default=None, help="relative to ../shared/datasets"
    )
    parser.add_argument("--rounds", type=int, default=2, help="best of this many")
    parser.add_argument(
        "--matchers", default="words,encoder", help="words and/or encoder (the default one)"
    )
    args = parser.parse_args()
    names = args.dataset or ["id_ecommerce/dev.json"]
    print(
        "| KB | matcher | questions | one by one (baseline) | batched (ratio) "
        "| background job (ratio) | in the request | longest loop stall: one by one / batched "
        "| same decisions |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in names:
        for semantic in [m == "encoder" for m in args.matchers.split(",")]:
            row = asyncio.run(
                measure(
                    DATASETS / name,
                    args.questions,
                    semantic,
                    args.one_by_one,
                    args.sync,
                    args.rounds,
                )
            )
            print(row, flush=True)


if __name__ == "__main__":
    main()
