"""Load benchmark: signed WhatsApp webhooks through the whole pipeline, with a baseline.

Drives distinct customers (FAQ questions from the demo KB, button presses, re-delivered
duplicates) at fixed concurrency against the real service (`router serve`, one uvicorn worker) and,
in the same run, against a bare FastAPI endpoint that only verifies and parses the same
payload (bench/bare_app.py). Replies go to a fake Graph API in this process, so end-to-end
latency (webhook sent -> reply received by "Meta") is measured too. Prints figures; asserts
nothing about speed.

    .venv/bin/python bench/load.py --backend postgres --messages 3000 --concurrency 64
    .venv/bin/python bench/load.py --backend sqlite --preload 100000 --articles 10000
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from bench.rawhttp import RawConnection
from bench.seed import preload_conversations, synthetic_articles
from tests.fakes.graph_api import FakeGraphApi

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"
ADMIN = "bench-admin"
PHONE_NUMBER_ID = "109876543210987"
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
# The database each run drops and recreates: its own name where several people bench at once.
LOAD_DATABASE = os.environ.get("BENCH_LOAD_DATABASE", "router_bench_load")


@dataclass
class Shot:
    customer: str
    body: bytes
    expects_reply: bool

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", "X-Hub-Signature-256": sign(self.body)}


@dataclass
class Run:
    name: str
    seconds: float = 0.0
    began: float = 0.0  # time.perf_counter() when the first shot left
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    sent_at: dict[str, float] = field(default_factory=dict)  # customer -> first send time

    def line(self) -> str:
        n = len(self.latencies)
        lat = sorted(self.latencies)
        p50 = lat[n // 2] * 1000 if n else 0.0
        p99 = lat[min(n - 1, int(n * 0.99))] * 1000 if n else 0.0
        return (
            f"{self.name:<28} {n / self.seconds:8.0f} msg/s   ack p50 {p50:6.1f} ms"
            f"   p99 {p99:6.1f} ms   statuses {dict(sorted(self.statuses.items()))}"
        )

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def whatsapp_payload(customer: str, wamid: str, message: dict[str, Any]) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": f"Pelanggan {customer[-4:]}"}, "wa_id": customer}],
        "messages": [
            {"from": customer, "id": wamid, "timestamp": str(int(time.time())), **message}
        ],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1048576", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(payload).encode()


def build_shots(questions: list[str], count: int, seed: int = 7) -> list[Shot]:
    """Each customer asks one FAQ question; a third then press "helpful" (queued behind the
    question, so it is read as feedback on the answer); 10% of the questions are re-sent
    duplicates (Meta's at-least-once delivery)."""
    rng = random.Random(seed)
    shots: list[Shot] = []
    n = 0
    while len(shots) < count:
        customer = f"62812{n:07d}"
        n += 1
        question = rng.choice(questions)
        shots.append(
            Shot(
                customer,
                whatsapp_payload(
                    customer, f"wamid.B{n}q", {"type": "text", "text": {"body": question}}
                ),
                True,
            )
        )
        if rng.random() < 0.1:
            shots.append(Shot(customer, shots[-1].body, False))
        if rng.random() < 1 / 3:
            press = {
                "type": "interactive",
                "interactive": {
                    "type": "button_reply",
                    "button_reply": {"id": "helpful_yes", "title": "Ya, terjawab"},
                },
            }
            shots.append(Shot(customer, whatsapp_payload(customer, f"wamid.B{n}b", press), True))
    return shots[:count]


async def drive(
    base_url: str, shots: list[Shot], concurrency: int, name: str, rate: float | None = None
) -> Run:
    """Send every shot over ``concurrency`` keep-alive connections: as fast as the server
    answers (closed loop), or at ``rate`` messages/s (open loop: shot i leaves at i / rate)."""
    run = Run(name)
    queue: asyncio.Queue[tuple[int, Shot]] = asyncio.Queue()
    for index, shot in enumerate(shots):
        queue.put_nowait((index, shot))
    host, port = base_url.removeprefix("http://").split(":")
    headers = {id(shot): shot.headers for shot in shots}  # signed before the clock starts
    began = run.began = time.perf_counter()

    async def worker() -> None:
        connection = RawConnection(host, int(port))
        try:
            while not queue.empty():
                index, shot = queue.get_nowait()
                if rate:
                    await asyncio.sleep(max(0.0, began + index / rate - time.perf_counter()))
                started = time.perf_counter()
                run.sent_at.setdefault(shot.customer, started)
                status, _ = await connection.post(
                    "/webhooks/whatsapp", shot.body, headers[id(shot)]
                )
                run.latencies.append(time.perf_counter() - started)
                run.statuses[status] = run.statuses.get(status, 0) + 1
        finally:
            connection.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    run.seconds = time.perf_counter() - began
    return run


async def wait_ready(base_url: str, process: subprocess.Popen[bytes], path: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=2) as client:
        for _ in range(1200):  # 2 minutes: a busy shared machine starts processes slowly
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}")
            try:
                if (await client.get(path)).status_code in (200, 404, 405):
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("server did not start")


async def wait_semantic_ready(client: httpx.AsyncClient, timeout: float = 300) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        response = await client.get(
            "/api/v1/kb/status", headers={"Authorization": f"Bearer {ADMIN}"}
        )
        if response.status_code == 200 and response.json()["semantic_ready"]:
            return
        if response.status_code == 404:
            return  # a tree from before the status endpoint: wait_idle covers the embedding
        await asyncio.sleep(0.2)
    print("(the KB's vectors were not ready in time: the run starts matching by words)")


async def wait_idle(pids: list[int], settle: float = 6.0, timeout: float = 180) -> None:
    """Until these processes and their children use under a tenth of a core for a second,
    but at least ``settle`` seconds (a KB refresh interval and more: a worker starts loading
    the encoders only at its next refresh). Without /proc, just ``settle``."""
    began = time.perf_counter()
    await asyncio.sleep(settle)
    if not Path("/proc/self/stat").exists():
        return
    quiet = 0
    before = cpu_seconds(pids)
    while quiet < 2 and time.perf_counter() - began < timeout:
        await asyncio.sleep(0.5)
        now = cpu_seconds(pids)
        quiet = quiet + 1 if now - before < 0.05 else 0
        before = now
    if quiet < 2:
        print("(the service was still busy after its start: the run measures some of it)")


async def wait_worker_ready(url: str, process: subprocess.Popen[bytes], workers: int = 1) -> None:
    """A `router worker` has no port: on PostgreSQL it is ready once its wake-up listener is
    connected (its last statement is LISTEN); on SQLite give it the time it takes to start.
    Messages sent before would measure its start-up, not the pipeline. ``process`` is the
    worker, or the server whose ``workers`` children they are."""
    if url.startswith("sqlite"):
        await asyncio.sleep(3)
        return
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        for _ in range(1200):  # 2 minutes: a busy shared machine starts processes slowly
            if process.poll() is not None:
                raise RuntimeError(f"worker exited with {process.returncode}")
            async with engine.connect() as connection:
                listening = await connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                    )
                )
            if listening is not None and listening >= workers:
                return
            await asyncio.sleep(0.1)
    finally:
        await engine.dispose()
    raise RuntimeError("worker did not start")


WORKER_ENV: dict[str, dict[str, str]] = {
    "auto": {},  # a child process on PostgreSQL, inline on SQLite
    "process": {"ROUTER_WORKER_MODE": "process"},
    "inline": {"ROUTER_WORKER_MODE": "inline"},
    "separate": {"ROUTER_RUN_WORKERS": "false"},
}


def cpu_seconds(pids: list[int], children: bool = True) -> float:
    """User + system CPU so far of these processes and their children (Linux ``/proc``; 0
    elsewhere). Per answered message it is what the service costs, whatever share of the
    cores it got on a shared machine."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent, CPU seconds)
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        stats[int(entry.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    wanted, total = set(pids), 0.0
    for pid in sorted(stats):  # a child's pid is usually above its parent's
        parent, seconds = stats[pid]
        if pid in wanted or (children and parent in wanted):
            wanted.add(pid)
            total += seconds
    return total


def settings_of(env: dict[str, str]) -> dict[str, str]:
    """The settings a service started with ``env`` (over this process's environment) reads."""
    merged = {**os.environ, **env}
    prefix = "ROUTER_"
    return {k.removeprefix(prefix).lower(): v for k, v in merged.items() if k.startswith(prefix)}


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env})


async def database_for(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp / 'load.db'}"
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{LOAD_DATABASE}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{LOAD_DATABASE}"'))
    await engine.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + LOAD_DATABASE


async def bench_service(
    backend: str, args: argparse.Namespace, shots: list[Shot], articles: list[dict[str, Any]]
) -> tuple[Run, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        url = await database_for(backend, Path(tmp))
        async with FakeGraphApi(latency=args.graph_latency_ms / 1000) as graph:
            port = free_port()
            env = {
                "ROUTER_DATABASE_URL": url,
                "ROUTER_ADMIN_TOKEN": ADMIN,
                "ROUTER_WHATSAPP_VERIFY_TOKEN": "bench",
                "ROUTER_WHATSAPP_APP_SECRET": SECRET,
                "ROUTER_WHATSAPP_ACCESS_TOKEN": "bench-access",
                "ROUTER_GRAPH_API_BASE": graph.base_url,
                "ROUTER_LOG_LEVEL": "WARNING",
                # Where the engine and the outbox run (--workers, ROUTER_WORKER_MODE).
                **WORKER_ENV[args.workers],
                "ROUTER_DATABASE_POOL_SIZE": str(args.concurrency),
            }
            server = start([str(ROOT / ".venv/bin/router"), "serve", "--port", str(port)], env)
            base = f"http://127.0.0.1:{port}"
            worker: subprocess.Popen[bytes] | None = None
            try:
                await wait_ready(base, server, "/readyz")
                if args.workers == "separate":
                    worker = start([str(ROOT / ".venv/bin/router"), "worker"], env)
                    await wait_worker_ready(url, worker)
                elif args.workers == "process" or (
                    args.workers == "auto" and backend == "postgres"
                ):
                    # A tree from before ROUTER_WORKER_PROCESSES starts one child.
                    settings = Settings.model_validate(settings_of(env))
                    children = getattr(settings, "worker_children", 1)
                    await wait_worker_ready(url, server, children)  # its children
                async with httpx.AsyncClient(base_url=base, timeout=120) as client:
                    response = await client.post(
                        "/api/v1/kb/import",
                        json={"mode": "replace", "articles": articles},
                        headers={"Authorization": f"Bearer {ADMIN}"},
                    )
                    response.raise_for_status()
                    # Searches match by words until the encoders' vectors are there: wait, so
                    # the run measures the matcher as it answers in the steady state.
                    await wait_semantic_ready(client)
                if args.preload:
                    await preload_conversations(url, args.preload)
                service = [p.pid for p in (server, worker) if p is not None]
                # The status above is the server's; the workers (its child, or `router
                # worker`) load the encoders and the vectors on their own KB refresh.
                await wait_idle(service)
                cpu_before, intake_before = cpu_seconds(service), cpu_seconds([server.pid], False)
                run = await drive(
                    base, shots, args.concurrency, f"service ({backend})", rate=args.rate
                )
                # One reply per message that is not a re-delivery.
                expected = sum(1 for s in shots if s.expects_reply)
                deadline = time.perf_counter() + 300
                while time.perf_counter() < deadline and len(graph.delivered) < expected:
                    await asyncio.sleep(0.05)
                cpu = cpu_seconds(service) - cpu_before
                intake = cpu_seconds([server.pid], False) - intake_before
                first_reply: dict[str, float] = {}
                for r in graph.delivered:
                    first_reply.setdefault(str(r.json.get("to")), r.received_at)
                e2e = [first_reply[c] - t for c, t in run.sent_at.items() if c in first_reply]
                facts = {
                    "customers": float(len(run.sent_at)),
                    "customers_with_reply": float(len(first_reply)),
                    "replies_delivered": float(len(graph.delivered)),
                    "replies_expected": float(expected),
                    # Messages answered per second, first webhook sent -> last reply
                    # received: the whole pipeline's rate, not just acknowledgements.
                    "pipeline_rate": len(graph.delivered)
                    / (max(r.received_at for r in graph.delivered) - run.began)
                    if graph.delivered
                    else 0.0,
                    "e2e_p50_ms": statistics.median(e2e) * 1000 if e2e else float("nan"),
                    "e2e_p99_ms": sorted(e2e)[int(len(e2e) * 0.99)] * 1000 if e2e else float("nan"),
                    # The server's and its workers' CPU (not PostgreSQL's, nor the driver's).
                    "cpu_ms_per_reply": cpu * 1000 / max(len(graph.delivered), 1),
                    "intake_cpu_ms_per_reply": intake * 1000 / max(len(graph.delivered), 1),
                }
                return run, facts
            finally:
                for process in (server, worker):
                    if process is not None:
                        process.terminate()
                        process.wait(timeout=20)


async def bench_bare(args: argparse.Namespace, shots: list[Shot]) -> Run:
    port = free_port()
    server = start(
        [
            str(ROOT / ".venv/bin/uvicorn"),
            "bench.bare_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        {"ROUTER_WHATSAPP_APP_SECRET": SECRET},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base, server, "/docs")
        return await drive(base, shots, args.concurrency, "bare endpoint")
    finally:
        server.terminate()
        server.wait(timeout=20)


def demo_articles() -> list[dict[str, Any]]:
    data = json.loads((ROOT / "app/kb/data/demo_kb.json").read_text(encoding="utf-8"))
    articles: list[dict[str, Any]] = data["articles"] if isinstance(data, dict) else data
    return articles


def chat_questions() -> list[str]:
    lines = (ROOT / "bench/data/chat_questions.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["postgres", "sqlite", "both"], default="both")
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--preload", type=int, default=0, help="conversations stored first")
    parser.add_argument("--articles", type=int, default=0, help="KB size (0 = demo KB)")
    parser.add_argument(
        "--rate", type=float, default=None, help="open loop: send at this many msg/s"
    )
    parser.add_argument(
        "--graph-latency-ms",
        type=float,
        default=0.0,
        help="the fake Graph API answers after this long (Meta: 100-300 ms)",
    )
    parser.add_argument(
        "--workers",
        choices=sorted(WORKER_ENV),
        default="auto",
        help="engine and outbox as `router serve` places them by default (auto), in its child"
        " process (process), in its event loop (inline), or in a `router worker` beside it"
        " (separate)",
    )
    parser.add_argument(
        "--ask",
        choices=["kb", "chat"],
        default="kb",
        help="the demo KB's own questions and variants word for word (kb: the words answer most"
        " of them surely, so few ask the sentence encoder) or chat-style questions written for"
        " this bench (chat: slang, typos, English; most ask the encoder)",
    )
    args = parser.parse_args()

    articles = demo_articles()
    if args.articles > len(articles):
        articles = articles + synthetic_articles(args.articles - len(articles))
    if args.ask == "chat":
        questions = chat_questions()
    else:
        questions = [a["question"] for a in demo_articles()] + [
            v for a in demo_articles() for v in a.get("variants", [])
        ]
    shots = build_shots(questions, args.messages)
    print(
        f"{len(shots)} webhooks, {len({s.customer for s in shots})} customers,"
        f" concurrency {args.concurrency}, {len(articles)} articles,"
        f" {args.preload} conversations preloaded"
    )
    bare = await bench_bare(args, shots)
    print(bare.line())
    backends = ["postgres", "sqlite"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run, facts = await bench_service(backend, args, shots, articles)
        print(run.line())
        print(
            f"{'':<28} ratio to bare {run.rate / bare.rate:5.2f}   answered"
            f" {facts['pipeline_rate']:.0f} msg/s"
            f" (ratio {facts['pipeline_rate'] / bare.rate:5.3f})   end-to-end p50"
            f" {facts['e2e_p50_ms']:.0f} ms p99 {facts['e2e_p99_ms']:.0f} ms   customers"
            f" answered {facts['customers_with_reply']:.0f}/{facts['customers']:.0f},"
            f" replies {facts['replies_delivered']:.0f}/{facts['replies_expected']:.0f}"
        )
        print(
            f"{'':<28} service CPU {facts['cpu_ms_per_reply']:.2f} ms per reply (of which the"
            f" server process {facts['intake_cpu_ms_per_reply']:.2f}; PostgreSQL's not counted)"
        )


if __name__ == "__main__":
    asyncio.run(main())
