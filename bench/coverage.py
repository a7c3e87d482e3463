"""Coverage report benchmark (a script, not a test): ``.venv/bin/python bench/coverage.py``.

Imports a dataset's articles through the API into an app on a temporary SQLite database,
then posts 20,000 questions to ``POST /api/v1/kb/coverage`` (the dataset's test messages,
each with a filler word and a number appended so no two are the same string) and prints how
long the report took and the longest the event loop stalled meanwhile (a ticker task sleeps
1 ms in a loop beside the request: its longest gap is what another request would wait).
Baseline in the same run: one ``GET /api/v1/kb/search`` per question.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
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


async def run(dataset: Path, n: int, semantic: bool, baseline: int) -> None:
    data = json.loads(dataset.read_text(encoding="utf-8"))
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
                ready = await app.state.kb.wait_semantic()
                body = questions(data["test"], n)

                started = time.perf_counter()
                for q in body[:baseline]:
                    (await client.get("/api/v1/kb/search", params={"q": q})).raise_for_status()
                per_search = (time.perf_counter() - started) / baseline

                idle = await longest_stall(asyncio.sleep(5))  # the machine's own noise
                started = time.perf_counter()
                post = client.post("/api/v1/kb/coverage", json={"questions": body})
                stall = await longest_stall(post)
                seconds = time.perf_counter() - started
                r = stall.result
                r.raise_for_status()
                report = r.json()
    print(
        f"{dataset.parent.name}/{dataset.name}: {len(data['articles'])} articles, "
        f"encoder {'on' if ready else 'off'}: {report['total']} questions in {seconds:.1f} s "
        f"({1000 * seconds / report['total']:.2f} ms each; one search over HTTP: "
        f"{1000 * per_search:.2f} ms), answer/suggest/none {report['answer']}/"
        f"{report['suggest']}/{report['none']}, {len(report['groups'])} groups shown; "
        f"longest event-loop stall {1000 * stall.longest:.0f} ms "
        f"(idle baseline in the same run: {1000 * idle.longest:.0f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--baseline", type=int, default=300)
    parser.add_argument(
        "--dataset", action="append", default=None, help="relative to ../shared/datasets"
    )
    parser.add_argument("--semantic", action="store_true", help="with the sentence encoder")
    args = parser.parse_args()
    names = args.dataset or ["id_ecommerce/dev.json", "clinc150_oos/clinc150_full.dev.json"]
    for name in names:
        asyncio.run(run(DATASETS / name, args.questions, args.semantic, args.baseline))


if __name__ == "__main__":
    main()
