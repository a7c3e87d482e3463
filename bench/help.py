"""Help-center benchmark: pages and search under concurrent load, with a baseline.

Against one real ``router serve`` (SQLite, one uvicorn worker), in the same run:
a static file the app serves (``/help/static/help.css``, the baseline), article pages
(full 200s, and 304s for a browser that sends the ETag back), and the search page with
customer-style queries. Then the KB grows to ``--articles`` and the sitemap and category
pages are timed on their first request after the change (rendered, not cached) and again.
Prints figures; asserts nothing about speed.

    .venv/bin/python bench/help.py --seconds 5 --concurrency 32 --articles 10000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.rawhttp import RawConnection
from bench.seed import synthetic_articles
from tests.serve import free_port

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "bench-admin"
DEMO = ROOT / "app" / "kb" / "data" / "demo_kb.json"
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"}
# Written for this benchmark in the way customers type (not from the evaluation datasets).
QUERIES = [
    "gmn cara refund kak",
    "lupa pw akun",
    "ongkir ke papua brp",
    "pesanan blm dtg udh 5 hari",
    "cara bayar pake cod bisa ga",
    "voucher ga bisa dipake",
    "how to cancel my order",
    "akun ke blokir knp",
    "barang rusak mau retur",
    "jadwal gerhana bulan",
]

DISTINCT = [f"{QUERIES[n % len(QUERIES)]} {n}" for n in range(50_000)]


def _search(query: str) -> str:
    return f"/help/search?q={quote(query)}"


async def _load(
    port: int, paths: list[str], seconds: float, concurrency: int, headers: dict[str, str]
) -> tuple[float, float, float, dict[int, int]]:
    """(requests/s, p50 ms, p99 ms, statuses) for ``concurrency`` clients cycling ``paths``."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    stop = time.perf_counter() + seconds

    async def client(offset: int) -> None:
        connection = RawConnection("127.0.0.1", port)
        n = offset
        try:
            while time.perf_counter() < stop:
                path = paths[n % len(paths)]
                n += 1
                began = time.perf_counter()
                status, _ = await connection.get(path, headers)
                latencies.append(time.perf_counter() - began)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(ordered) / elapsed, statistics.median(ordered) * 1000, p99 * 1000, statuses


async def _timed(client: httpx.AsyncClient, path: str) -> tuple[float, int, int]:
    began = time.perf_counter()
    r = await client.get(path, headers=BROWSER)
    return (time.perf_counter() - began) * 1000, r.status_code, len(r.content)


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-help-"))
    port = free_port()
    env = {
        **os.environ,
        "ROUTER_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'router.db'}",
        "ROUTER_ADMIN_TOKEN": ADMIN,
        "ROUTER_LOG_LEVEL": "WARNING",
        "ROUTER_KB_SEMANTIC": "true" if args.semantic else "false",
        "ROUTER_KB_MAX_ARTICLES": str(max(20000, args.articles + 100)),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=(folder / "server.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    admin = {"Authorization": f"Bearer {ADMIN}"}
    try:
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            for _ in range(600):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            demo = json.loads(DEMO.read_text(encoding="utf-8"))["articles"]
            r = await client.post("/api/v1/kb/import", json={"articles": demo}, headers=admin)
            r.raise_for_status()
            if args.semantic:
                await asyncio.sleep(args.semantic_wait)
            slugs = [a["slug"] for a in demo]
            for slug in slugs:  # the page cache holds them after one request
                await client.get(f"/help/a/{slug}", headers=BROWSER)
            etags = {
                slug: (await client.get(f"/help/a/{slug}", headers=BROWSER)).headers["etag"]
                for slug in slugs[:1]
            }
            print(f"help center bench: {len(demo)} articles, concurrency {args.concurrency},")
            print(f"{args.seconds:.0f} s per case, one `router serve` process (SQLite),")
            # Other work on the machine moves every figure: say how busy it was.
            print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
            print(f"{'case':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  statuses")
            cases = [
                ("static file (baseline)", ["/help/static/help.css"], {}),
                ("article page (200)", [f"/help/a/{s}" for s in slugs], {}),
                ("article page (304, ETag)", [f"/help/a/{slugs[0]}"],
                 {"If-None-Match": etags[slugs[0]]}),
                ("search page (10 queries again)", [_search(q) for q in QUERIES], {}),
                # Each query once: the matcher works every time (no result cache).
                ("search page (distinct queries)", [_search(q) for q in DISTINCT], {}),
                ("search API (JSON)", [f"/api/v1/help/search?q={quote(q)}" for q in QUERIES], {}),
            ]  # fmt: skip
            rates: dict[str, float] = {}
            for name, paths, extra in cases:
                rate, p50, p99, statuses = await _load(
                    port, paths, args.seconds, args.concurrency, {**BROWSER, **extra}
                )
                rates[name] = rate
                print(f"{name:<34} {rate:8.0f} {p50:8.1f} {p99:8.1f}  {statuses}")
            static = rates["static file (baseline)"]
            print(f"\narticle page / static file: {rates['article page (200)'] / static:.2f}x")
            for name in ("search page (10 queries again)", "search page (distinct queries)"):
                print(f"{name}: {rates[name]:.0f} req/s")

            if args.articles:
                extra_articles = synthetic_articles(args.articles)
                began = time.perf_counter()
                r = await client.post(
                    "/api/v1/kb/import", json={"articles": extra_articles}, headers=admin
                )
                r.raise_for_status()
                print(
                    f"\nKB grown to {len(demo) + args.articles} articles"
                    f" (import {time.perf_counter() - began:.1f} s)"
                )
                categories = sorted({a["category"] for a in extra_articles})
                print(f"{'page':<40} {'first ms':>9} {'again ms':>9} {'bytes':>9}")
                for path in [
                    "/help/sitemap.xml",
                    "/help",
                    *[f"/help/c/{c}" for c in categories[:3]],
                ]:
                    first, status, size = await _timed(client, path)
                    again, _, _ = await _timed(client, path)
                    print(f"{path:<40} {first:9.1f} {again:9.1f} {size:9d}  ({status})")
                search, _, _ = await _timed(client, f"/help/search?q={quote(QUERIES[0])}")
                print(f"{'/help/search (one query)':<40} {search:9.1f}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--articles", type=int, default=10000, help="0: skip the scale part")
    parser.add_argument("--semantic", action="store_true", help="with the sentence encoder")
    parser.add_argument("--semantic-wait", type=float, default=60.0)
    asyncio.run(main(parser.parse_args()))
