"""One calibration of a KB snapshot: leave-one-out probes, thresholds and confusable pairs.
CPU work, no I/O: the job runs it in a worker thread."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.calibration.customers import customer_probes
from app.calibration.evidence import Asked
from app.calibration.loo import Probe, leave_one_out
from app.calibration.questions import VectorCache
from app.calibration.threshold import MIN_PROBES, Choice, choose_encoder, choose_words
from app.kb.index import MatchIndex
from app.kb.matcher import WORDS, Model
from app.kb.semantic import Encoder, SemanticIndex

CONFUSABLE_KEPT = 100  # pairs stored per KB version
EXAMPLES = 3


@dataclass(frozen=True)
class Result:
    encoders: tuple[str, ...]
    words: Choice | None  # None: too few phrasings to tell (the default stays)
    encoder: Choice | None
    checked: int
    customers: int = 0  # customers' questions with a known answer that counted
    confusable: list[dict[str, Any]] = field(default_factory=list)


def calibrate(
    index: MatchIndex,
    semantic: Sequence[SemanticIndex] | None,
    model: Model,
    *,
    target: float,
    margin: float,
    stop: Callable[[], bool] = lambda: False,
    learned: Callable[[str, str], bool] = lambda slug, text: False,
    encoders: Sequence[Encoder] = (),
    asked: Sequence[Asked] = (),
    cache: VectorCache | None = None,
) -> Result:
    """``learned(slug, text)``: a wording learned from customers (kept, never a probe).
    ``asked``: customers' questions with a known answer (``app.calibration.evidence``),
    searched with ``encoders`` (those of ``semantic``)."""
    vectors = [s.vectors for s in semantic] if semantic else []
    probes = leave_one_out(
        index.articles, full=index, vectors=vectors, model=model, stop=stop, learned=learned
    )
    names = model.encoders if vectors else ()
    confusable = confusable_pairs(index, probes)
    if len(probes) < MIN_PROBES:
        return Result(names, None, None, len(probes), confusable=confusable)
    customers = customer_probes(
        index,
        semantic if vectors else None,
        encoders if vectors else (),
        model,
        asked,
        learned=learned,
        stop=stop,
        cache=cache,
    )
    words = choose_words(probes, target, margin, WORDS.answer_threshold, customers)
    encoder = (
        choose_encoder(probes, target, margin, words.threshold, model.answer_threshold, customers)
        if vectors
        else None
    )
    return Result(names, words, encoder, len(probes), len(customers), confusable)


def confusable_pairs(index: MatchIndex, probes: Sequence[Probe]) -> list[dict[str, Any]]:
    """Pairs of articles whose phrasings, left out, went to the other one: ``score`` is the
    highest confidence with which one did (a wrong answer when over the threshold), then how
    many did; examples are those phrasings."""
    pairs: dict[tuple[int, int], dict[str, Any]] = {}
    for probe in probes:
        scored = probe.encoder if probe.encoder is not None else probe.words
        if not scored or scored[0][0] == probe.article:
            continue
        other, value = scored[0]
        a, b = sorted((probe.article, other))
        pair = pairs.setdefault((a, b), {"score": 0.0, "count": 0, "examples": []})
        pair["score"] = max(pair["score"], value)
        pair["count"] += 1
        if len(pair["examples"]) < EXAMPLES:
            pair["examples"].append(
                {
                    "text": probe.text,
                    "slug": index.articles[probe.article].slug,
                    "went_to": index.articles[other].slug,
                }
            )
    ordered = sorted(pairs.items(), key=lambda kv: (-kv[1]["score"], -kv[1]["count"]))
    return [
        {
            "a": index.articles[a].slug,
            "b": index.articles[b].slug,
            "score": round(float(pair["score"]), 4),
            "count": pair["count"],
            "examples": pair["examples"],
        }
        for (a, b), pair in ordered[:CONFUSABLE_KEPT]
    ]
