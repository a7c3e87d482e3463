"""Run the shared corpus of real webhook payloads against a running service (a script, not a
test): every file in ``../shared/fixtures/webhooks_real/`` posted as Meta would, then again
(a re-delivery), then with a wrong signature; the table says what happened to each.

    .venv/bin/python bench/webhook_corpus.py                 # markdown table on stdout
    .venv/bin/python bench/webhook_corpus.py --corpus DIR --json results.json

It starts ``router serve`` on a fresh SQLite database with all three Meta channels
configured, its replies going to a fake Graph API (real HTTP) that records them. The corpus
stays where it is (read in place, never copied). Each file's ids (message ids, senders,
recipients) get a per-file suffix so that the many files sharing Meta's example ids count as
different messages from different customers; the timestamps stay as published (years old),
so the service runs with ``ROUTER_INBOUND_MAX_AGE_SECONDS`` large enough to answer them.

Expectations come from the corpus's MANIFEST.json: ``reply`` and ``reply_or_handoff`` must
be answered, ``no_reply`` must stay silent, ``reply_optional`` may do either. Every POST must
be a 200 (never a 5xx), a re-delivery must add no message and no reply, and a wrong
signature must be refused (401/403). Exit status 1 when any check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.graph_api import FakeGraphApi

ROOT = Path(__file__).resolve().parent.parent
# ``../shared`` next to the project (or next to the folder of worktrees holding it).
CORPUS_PLACES = [p / "shared" / "fixtures" / "webhooks_real" for p in ROOT.parents[:2]]
DEFAULT_CORPUS = next((p for p in CORPUS_PLACES if p.exists()), CORPUS_PLACES[0])
ADMIN = "corpus-admin"
SECRETS = {"wa": "corpus-wa-secret", "ms": "corpus-ms-secret", "ig": "corpus-ig-secret"}
PATHS = {"wa": "/webhooks/whatsapp", "ms": "/webhooks/messenger", "ig": "/webhooks/instagram"}
# Keys whose values identify a message or a party: made unique per file.
ID_KEYS = frozenset({"id", "mid", "from", "wa_id", "to", "user_ref", "recipient_id"})
ANSWERED = ("reply", "reply_or_handoff")


@dataclass
class Result:
    name: str
    expect: str
    status: int = 0
    redelivery_status: int = 0
    redelivery_new: int = 0
    wrong_signature: int = 0
    replies: int = 0
    replies_after_redelivery: int = 0
    verdict: str = ""


def unique_ids(value: Any, suffix: str) -> Any:
    """``value`` with every id string (see ID_KEYS) suffixed, the rest unchanged."""
    if isinstance(value, dict):
        return {
            k: (v + suffix if k in ID_KEYS and isinstance(v, str) else unique_ids(v, suffix))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [unique_ids(v, suffix) for v in value]
    return value


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def recipient(payload: dict[str, Any]) -> str:
    """Who a recorded Send API call went to (WhatsApp ``to``, Messenger ``recipient``)."""
    if "to" in payload:
        return str(payload["to"])
    party = payload.get("recipient") or {}
    return str(party.get("id") or party.get("user_ref") or "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_ready(client: httpx.AsyncClient, server: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError(f"the service exited with {server.returncode}")
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the service did not start")


async def settle(client: httpx.AsyncClient, graph: FakeGraphApi, quiet: float = 2.0) -> None:
    """Until the inbox has nothing pending and no reply went out for ``quiet`` seconds."""
    headers = {"Authorization": f"Bearer {ADMIN}"}
    seen, since = -1, time.monotonic()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        pending = await client.get("/api/v1/inbox", params={"status": "pending"}, headers=headers)
        busy = bool(pending.json()["items"])
        if busy or len(graph.requests) != seen:
            seen, since = len(graph.requests), time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the service did not settle within 300 s")


def replies_by_file(graph: FakeGraphApi, count: int) -> list[int]:
    totals = [0] * count
    for request in graph.requests:
        to = recipient(request.json)
        if "~" in to:
            index = to.rsplit("~", 1)[1]
            if index.isdigit() and int(index) < count:
                totals[int(index)] += 1
    return totals


async def post(client: httpx.AsyncClient, path: str, body: bytes, secret: str) -> httpx.Response:
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(secret, body)}
    return await client.post(path, content=body, headers=headers)


def verdict(result: Result) -> str:
    problems = []
    if result.status != 200 or result.redelivery_status != 200:
        problems.append(f"HTTP {result.status}/{result.redelivery_status}")
    if result.wrong_signature not in (401, 403):
        problems.append(f"wrong signature {result.wrong_signature}")
    if result.redelivery_new or result.replies_after_redelivery != result.replies:
        problems.append("re-delivery added")
    if result.expect in ANSWERED and result.replies == 0:
        problems.append("not answered")
    if result.expect == "no_reply" and result.replies:
        problems.append("answered")
    return "ok" if not problems else "FAIL: " + ", ".join(problems)


async def run(corpus: Path) -> list[Result]:
    manifest: dict[str, dict[str, str]] = json.loads((corpus / "MANIFEST.json").read_text())
    names = sorted(manifest)
    bodies = [
        json.dumps(unique_ids(json.loads((corpus / n).read_bytes()), f"~{i}")).encode()
        for i, n in enumerate(names)
    ]
    results = [Result(name, manifest[name]["expect"]) for name in names]
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeGraphApi() as graph:
            env = {
                **os.environ,
                "ROUTER_DATABASE_URL": f"sqlite+aiosqlite:///{Path(tmp) / 'corpus.db'}",
                "ROUTER_ADMIN_TOKEN": ADMIN,
                "ROUTER_LOG_LEVEL": "WARNING",
                "ROUTER_GRAPH_API_BASE": graph.base_url,
                "ROUTER_INBOUND_MAX_AGE_SECONDS": str(60 * 365 * 86400),
                "ROUTER_KB_SEMANTIC": "false",
                "ROUTER_WHATSAPP_VERIFY_TOKEN": "v",
                "ROUTER_WHATSAPP_APP_SECRET": SECRETS["wa"],
                "ROUTER_WHATSAPP_ACCESS_TOKEN": "corpus-wa-token",
                "ROUTER_MESSENGER_VERIFY_TOKEN": "v",
                "ROUTER_MESSENGER_APP_SECRET": SECRETS["ms"],
                "ROUTER_MESSENGER_PAGE_ACCESS_TOKEN": "corpus-ms-token",
                "ROUTER_INSTAGRAM_VERIFY_TOKEN": "v",
                "ROUTER_INSTAGRAM_APP_SECRET": SECRETS["ig"],
                "ROUTER_INSTAGRAM_ACCESS_TOKEN": "corpus-ig-token",
            }
            port = free_port()
            command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
            server = subprocess.Popen(command, cwd=ROOT, env=env)
            try:
                base = f"http://127.0.0.1:{port}"
                async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                    await wait_ready(client, server)
                    for result, body in zip(results, bodies, strict=True):
                        prefix = result.name[:2]
                        response = await post(client, PATHS[prefix], body, SECRETS[prefix])
                        result.status = response.status_code
                        wrong = await post(client, PATHS[prefix], body, "not-the-secret")
                        result.wrong_signature = wrong.status_code
                    await settle(client, graph)
                    first = replies_by_file(graph, len(names))
                    for result, body in zip(results, bodies, strict=True):
                        prefix = result.name[:2]
                        response = await post(client, PATHS[prefix], body, SECRETS[prefix])
                        result.redelivery_status = response.status_code
                        if response.status_code == 200:
                            result.redelivery_new = int(response.json().get("messages", 0))
                    await settle(client, graph)
                    second = replies_by_file(graph, len(names))
            finally:
                server.terminate()
                server.wait(timeout=30)
    for result, before, after in zip(results, first, second, strict=True):
        result.replies, result.replies_after_redelivery = before, after
        result.verdict = verdict(result)
    return results


def table(results: list[Result]) -> str:
    lines = [
        "| payload | expected | HTTP | replies | re-delivery adds | wrong signature | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        added = r.redelivery_new + (r.replies_after_redelivery - r.replies)
        lines.append(
            f"| {r.name.removesuffix('.json')} | {r.expect} | {r.status} | {r.replies}"
            f" | {added} | {r.wrong_signature} | {r.verdict} |"
        )
    passed = sum(r.verdict == "ok" for r in results)
    lines.append("")
    lines.append(f"{passed} of {len(results)} payloads as expected.")
    return "\n".join(lines)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if not (args.corpus / "MANIFEST.json").exists():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    results = await run(args.corpus)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0 if all(r.verdict == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
