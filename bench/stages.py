"""Cost per message of each pipeline stage, measured alone (a script, not a test).

Webhooks are parsed and stored through the real inbox writer, then the inbox processor (the
engine) and the outbox (delivery to a fake Graph API over real HTTP) run one after the other
in this process, each timed on its own: CPU milliseconds per message and SQL statements per
message. This is the "where does the time go" companion of ``bench/load.py``, whose figures
mix every stage on shared cores.

    .venv/bin/python bench/stages.py --backend postgres --messages 2000
    ROUTER_KB_ENCODERS=use .venv/bin/python bench/stages.py --ask chat
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.channels.whatsapp_inbound import parse_whatsapp
from app.config import Settings
from app.db import utcnow
from app.inbox.codec import rows_for
from app.main import create_app
from app.outbox.worker import deliver_due, graph_client
from app.types import Channel
from bench.load import build_shots, chat_questions, database_for, demo_articles
from tests.fakes.graph_api import FakeGraphApi

ADMIN = "bench-admin"


class Statements:
    """Counts the SQL statements an engine executes (executemany counts once)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_: Any) -> None:
        self.count += 1


async def measure(name: str, statements: Statements, work: Callable[[], Awaitable[int]]) -> None:
    before = statements.count
    wall, cpu = time.perf_counter(), time.process_time()
    done = await work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    per = max(done, 1)
    print(
        f"  {name:<28} {done:6d} done  {cpu / per * 1000:6.2f} ms CPU each"
        f"  {(statements.count - before) / per:5.1f} statements each"
        f"  ({done / wall:6.0f}/s wall, this process only)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument(
        "--ask",
        choices=["kb", "chat"],
        default="kb",
        help="the demo KB's questions word for word, or bench/load.py's chat-style ones",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = await database_for(args.backend, Path(tmp))
        async with FakeGraphApi() as graph:
            settings = Settings(
                database_url=url,
                admin_token=ADMIN,
                run_workers=False,
                log_level="WARNING",
                whatsapp_verify_token="bench",
                whatsapp_app_secret="bench",
                whatsapp_access_token="bench",
                graph_api_base=graph.base_url,
            )
            app = create_app(settings)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
                    response = await client.post(
                        "/api/v1/kb/import",
                        json={"mode": "replace", "articles": demo_articles()},
                        headers={"Authorization": f"Bearer {ADMIN}"},
                    )
                    response.raise_for_status()
                # As bench/load.py: the encoders' vectors first, so searches use them.
                await app.state.kb.wait_semantic()
                statements = Statements()
                event.listen(app.state.engine.sync_engine, "before_cursor_execute", statements)
                questions = (
                    chat_questions()
                    if args.ask == "chat"
                    else [a["question"] for a in demo_articles()]
                )
                shots = build_shots(questions, args.messages)
                print(f"{args.backend}: {len(shots)} webhooks (with duplicates and button presses)")

                async def store() -> int:
                    new = 0
                    for shot in shots:
                        events = parse_whatsapp(shot.body)
                        rows = rows_for(Channel.whatsapp, events, received_at=utcnow())
                        new += len(await app.state.inbox_writer.append(rows))
                    return new

                await measure("store (inbox writer, 1/write)", statements, store)

                async def process() -> int:
                    total = 0
                    while handled := await app.state.inbox.run():  # a run is capped
                        total += handled
                    return total

                await measure("engine (inbox processor)", statements, process)
                async with graph_client(settings) as http:

                    async def deliver() -> int:
                        total = 0
                        while True:
                            sent = await deliver_due(
                                app.state.sessionmaker, http, settings, now=utcnow()
                            )
                            total += sent
                            if not sent:
                                return total

                    await measure("delivery (outbox + fake API)", statements, deliver)
                print(f"  replies received by the fake Graph API: {len(graph.delivered)}")


if __name__ == "__main__":
    asyncio.run(main())
