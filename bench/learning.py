"""Learning from conversations (a script, not a test): ``.venv/bin/python bench/learning.py``.

Per dataset (default: every one in ../shared/datasets): the KB is imported into the app
(in-process, a temporary SQLite database, the default encoder setup) and the test messages
are replayed as a stream of customers, in an order shuffled with a fixed seed, through the
real web chat API. The first half of the stream teaches: a customer offered the right
article among suggestions picks it and confirms; one answered rightly confirms; anyone else
asks for a person, and a simulated agent resolves the handoff with the right article
(``{"article": slug}``; a question no article answers is resolved without one, also when the
bot did not answer it: its customer was not helped either; greetings, thanks and requests
for a person are not asked about). The learning job then runs, the editor accepts every
proposal the guard did not flag, the KB calibrates again (on the teaching half's questions
too) and the questions no article answered are loaded, as every process does. The second
half is never taught: its first replies are measured before and after.

One table per dataset: first reply answered right (of the messages an article answers),
wrong (answered with another article, or answered when none should be, of all), top-3 (the
right article answered or among the suggestions), reject (messages no article answers that
were not answered), and the answer threshold in use. Rows: the fitted default threshold
without calibration (what ``main`` does), calibrated before learning, after learning (and
calibrated again), and after learning with the threshold from before it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.calibration.job import Calibrator, refresh_calibration
from app.calibration.off_topic import OffTopicQuestions
from app.config import Settings
from app.db import utcnow
from app.learning.harvest import Learner
from app.main import create_app
from bench.matcher import DATASETS

SEED = 30  # the order customers arrive in (see ``bench``)
# A question no article answers: when the bot does not answer it, the customer asks for a
# person (the agent resolves without an article), as anyone else not helped does.
OUT_OF_SCOPE = "out_of_scope"
TOKEN = "bench-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
ALL = (
    "id_ecommerce/dev.json",
    "xsid_id/xsid_id_all.test.json",
    "xsid_id/xsid_id_holdout.test.json",
    "xsid_id/xsid_en_all.test.json",
    "xsid_id/xsid_en_holdout.test.json",
    "clinc150_oos/clinc150_k5.test.json",
    "clinc150_oos/clinc150_full.test.json",
)


class Replay:
    def __init__(self, app: Any, client: httpx.AsyncClient, settings: Settings) -> None:
        self.app, self.client, self.settings = app, client, settings
        self.agent: dict[str, str] = {}
        self.taught: dict[str, int] = {}  # how the teaching customers' first replies went
        self.off_topic = OffTopicQuestions()

    async def setup(self, articles: list[dict[str, Any]]) -> None:
        r = await self.client.post(
            "/api/v1/kb/import", json={"mode": "replace", "articles": articles}, headers=ADMIN
        )
        r.raise_for_status()
        r = await self.client.post("/api/v1/agents", json={"name": "Bench"}, headers=ADMIN)
        self.agent = {"Authorization": f"Bearer {r.json()['token']}"}
        await self.ready()

    async def ready(self) -> None:
        """The index and the encoders' vectors of the current KB, then its calibration."""
        kb = self.app.state.kb
        async with self.app.state.sessionmaker() as session:
            await kb.refresh(session)
        await kb.wait_semantic()
        await Calibrator(self.app.state.sessionmaker, kb, self.settings).run()
        # What every process does between searches: the thresholds and off-topic questions.
        await refresh_calibration(self.app.state.sessionmaker, kb, self.off_topic)

    async def customer(self) -> dict[str, str]:
        r = await self.client.post("/api/v1/webchat/sessions", json={"name": "Pelanggan"})
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['token']}"}

    async def send(self, who: dict[str, str], **body: str) -> dict[str, Any]:
        r = await self.client.post("/api/v1/webchat/messages", json=body, headers=who)
        r.raise_for_status()
        out: dict[str, Any] = r.json()
        return out

    async def first_reply(self, text: str) -> tuple[dict[str, str], dict[str, Any]]:
        who = await self.customer()
        return who, await self.send(who, text=text)

    async def teach(self, text: str, expected: str | None, kind: str | None = None) -> None:
        who, out = await self.first_reply(text)
        answered, offered = _read(out)
        if expected and answered == expected:
            self._count("answered right")
            await self.send(who, action="helpful_yes")
            return
        if expected and expected in offered:
            self._count("picked from suggestions")
            await self.send(who, action=f"article:{expected}")
            await self.send(who, action="helpful_yes")
            return
        if answered is None and not expected and kind != OUT_OF_SCOPE:
            self._count("no article, none answered")
            return  # a greeting, thanks, a request for a person: nothing to ask about
        self._count("to an agent" if expected else "to an agent, no article")
        if answered is not None:
            await self.send(who, action="helpful_no")
        out = await self.send(who, action="escalate")
        await self.resolve(out["conversation"]["id"], expected)

    def _count(self, what: str) -> None:
        self.taught[what] = self.taught.get(what, 0) + 1

    async def right_scores(self, tests: list[dict[str, Any]]) -> list[tuple[float, bool]]:
        """(the right article's score, answered with it) per message that has one: where
        learning moved it."""
        scoped = [t for t in tests if t["expected"]]
        kb = self.app.state.kb
        results = await asyncio.to_thread(kb.search_batch, [t["text"] for t in scoped], 10)
        return [
            (
                next((m.score for m in r.matches if m.slug == t["expected"]), 0.0),
                r.decision == "answer" and r.matches[0].slug == t["expected"],
            )
            for t, r in zip(scoped, results, strict=True)
        ]

    async def resolve(self, conversation_id: int, slug: str | None) -> None:
        r = await self.client.get("/api/v1/handoffs?status=waiting&limit=500", headers=self.agent)
        handoff = next(
            (h for h in r.json()["items"] if h["conversation_id"] == conversation_id), None
        )
        if handoff is None:
            return
        url = f"/api/v1/handoffs/{handoff['id']}"
        (await self.client.post(f"{url}/claim", headers=self.agent)).raise_for_status()
        body = {"article": slug} if slug else None
        (await self.client.post(f"{url}/resolve", json=body, headers=self.agent)).raise_for_status()

    async def measure(self, tests: list[dict[str, Any]]) -> dict[str, float]:
        right = wrong = top3 = rejected = 0
        scoped = [t for t in tests if t["expected"]]
        for test in tests:
            _, out = await self.first_reply(test["text"])
            answered, offered = _read(out)
            expected = test["expected"]
            if answered is not None and answered != expected:
                wrong += 1
            if expected:
                right += answered == expected
                top3 += answered == expected or expected in offered[:3]
            else:
                rejected += answered is None
        nulls = len(tests) - len(scoped)
        return {
            "right": right / max(len(scoped), 1),
            "wrong": wrong / max(len(tests), 1),
            "top3": top3 / max(len(scoped), 1),
            "reject": rejected / max(nulls, 1) if nulls else float("nan"),
            "threshold": self.app.state.kb.snapshot().encoder_thresholds.answer
            if self.app.state.kb.semantic_ready
            else self.app.state.kb.thresholds().answer,
        }

    async def learn(self) -> tuple[int, int, int]:
        """Run the learning job; accept what the guard passed. (proposed, accepted, flagged)"""
        learner = Learner(self.app.state.sessionmaker, self.app.state.kb, self.settings)
        await learner.run(now=utcnow() + timedelta(seconds=10))
        await learner.check_guard()
        ids, flagged, cursor = [], 0, None
        while True:
            params = {"status": "pending", "limit": "500", **({"cursor": cursor} if cursor else {})}
            r = (await self.client.get("/api/v1/kb/learned", params=params, headers=ADMIN)).json()
            for item in r["items"]:
                if os.environ.get("BENCH_SHOW_LEARNED"):
                    print("learned", item["flagged"], item["slug"], item["source"], item["text"])
                if item["flagged"]:
                    flagged += 1
                else:
                    ids.append(item["id"])
            cursor = r["cursor"]
            if not cursor:
                break
        refused = 0  # the article has no room for another variant (100)
        for start in range(0, len(ids), 500):
            r = await self.client.post(
                "/api/v1/kb/learned/accept", json={"ids": ids[start : start + 500]}, headers=ADMIN
            )
            r.raise_for_status()
            refused += len(r.json()["refused"])
        return len(ids) + flagged, len(ids) - refused, flagged


def _read(out: dict[str, Any]) -> tuple[str | None, list[str]]:
    """(the article answered, the articles offered) from a web chat reply."""
    answered = next((r["article"] for r in out["replies"] if r.get("article")), None)
    offered = [
        b["id"].removeprefix("article:")
        for r in out["replies"]
        for b in r["buttons"]
        if b["id"].startswith("article:")
    ]
    return answered, offered


def diagnosis(
    taught: dict[str, int], before: list[tuple[float, bool]], after: list[tuple[float, bool]]
) -> str:
    """Where learning's effect went: how the teaching half's replies went, and for the
    measured half how many right articles' scores rose or fell, and answers won or lost."""
    pairs = list(zip(before, after, strict=True))
    rose = sum(1 for (b, _), (a, _) in pairs if a > b + 0.005)
    fell = sum(1 for (b, _), (a, _) in pairs if a < b - 0.005)
    won = sum(1 for (_, b), (_, a) in pairs if a and not b)
    lost = sum(1 for (_, b), (_, a) in pairs if b and not a)
    teaching = ", ".join(f"{what} {n}" for what, n in sorted(taught.items()))
    return (
        f"Taught: {teaching}. Measured: the right article's score rose for {rose}, fell for"
        f" {fell} of {len(pairs)}; answered right won {won}, lost {lost} (calibrated,"
        " before -> after).\n"
    )


def row(name: str, m: dict[str, float]) -> str:
    reject = "n/a" if m["reject"] != m["reject"] else f"{m['reject']:.1%}"
    return (
        f"| {name} | {m['right']:.1%} | {m['wrong']:.1%} | {m['top3']:.1%} | {reject} |"
        f" {m['threshold']:.3f} |"
    )


async def bench(path: str, sample: int, every: int) -> None:
    data = json.loads((DATASETS / path).read_text())
    tests = data["test"]
    if len(tests) > 1000 and sample > 1:
        tests = tests[::sample]
    tests = tests[::every]
    # The sets list their messages article by article; customers do not arrive that way.
    # Unshuffled, the second half asks mostly about articles the first half never taught
    # (xsid_id_all: 218 of 250 messages; CLINC150 k5: nearly all), which measures nothing
    # about learning. A fixed seed: every run replays the same stream.
    tests = random.Random(SEED).sample(tests, len(tests))
    half = len(tests) // 2
    teach, held = tests[:half], tests[half:]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
            admin_token=TOKEN,
            run_workers=False,
            webchat_sessions_per_minute_per_ip=10**6,
            webchat_messages_per_minute=10**6,
            repeated_miss_limit=20,  # the stream's customers decide when to ask for a person
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                replay = Replay(app, client, settings)
                started = time.perf_counter()
                await replay.setup(data["articles"])
                calibrated = app.state.kb.calibrated
                app.state.kb.calibrated = {}
                default = await replay.measure(held)
                app.state.kb.calibrated = calibrated
                before = await replay.measure(held)
                scores_before = await replay.right_scores(held)
                for test in teach:
                    await replay.teach(test["text"], test["expected"], test.get("kind"))
                proposed, accepted, flagged = await replay.learn()
                await replay.ready()
                after = await replay.measure(held)
                scores_after = await replay.right_scores(held)
                recalibrated = app.state.kb.calibrated
                app.state.kb.calibrated = calibrated  # learned, but the threshold as before
                same = await replay.measure(held)
                app.state.kb.calibrated = recalibrated
                seconds = time.perf_counter() - started
    print(
        f"\n{path}: {len(data['articles'])} articles; {len(teach)} messages taught,"
        f" {len(held)} measured; {proposed} proposals, {accepted} accepted, {flagged} flagged"
        f" by the guard ({seconds:.0f} s)\n"
    )
    print(diagnosis(replay.taught, scores_before, scores_after))
    print("| | answered right | wrong | top-3 | reject | threshold |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(row("default threshold (main)", default))
    print(row("calibrated, before learning", before))
    print(row("after learning", after))
    print(row("after learning, threshold as before", same))
    sys.stdout.flush()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", action="append", help="a dataset under ../shared/datasets")
    parser.add_argument(
        "--sample", type=int, default=2, help="every Nth message of sets over 1,000 messages"
    )
    parser.add_argument(
        "--every", type=int, default=1, help="every Nth message of any set (a quick look)"
    )
    args = parser.parse_args()
    for path in args.dataset or ALL:
        await bench(path, args.sample, args.every)


if __name__ == "__main__":
    asyncio.run(main())
