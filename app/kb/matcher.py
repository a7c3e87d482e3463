"""Scoring and the answer / suggest / none decision. Pure functions over a ``MatchIndex``.

No single raw number is a good confidence, so each candidate article gets a few evidence
features and a small logistic model turns them into a probability-like score in [0, 1]:
- entry coverage: how much of its best entry's (idf-weighted) content the message mentions;
- message coverage: how much of the message that entry explains (unknown words count
  against it, which is what keeps out-of-scope questions from being answered);
- article coverage: the same over all the article's entries, answer and tags;
- known: how much of the message the KB vocabulary knows at all;
- fuzzy: rapidfuzz token-set similarity of the normalised texts (typos, word order);
- margin: how far the article leads the best *other* article (ambiguity);
- support: how well its second-best entry agrees (consistent evidence).
The weights are a method parameter fitted once with ``bench/matcher.py --fit``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rapidfuzz import fuzz

from app.kb.index import CONTEXT_WEIGHT, MatchIndex
from app.kb.normalizer import normalize_words, words

Decision = Literal["answer", "suggest", "none"]
CANDIDATES = 10
UNKNOWN_WEIGHT = 0.6  # a word the KB never uses, relative to the rarest KB word
FEATURES = (
    "entry_cov",
    "message_cov",
    "article_cov",
    "known",
    "fuzzy",
    "best_f1",
    "support",
    "evidence",
)
# Fitted on the first half of id_ecommerce/dev (bench/matcher.py --fit); bias last.
WEIGHTS = (3.0, 3.0, 1.0, 1.0, 1.0, 4.0, 0.5, -5.0)


@dataclass(frozen=True)
class Match:
    slug: str
    question: str
    score: float


@dataclass(frozen=True)
class SearchResult:
    decision: Decision
    matches: list[Match]


@dataclass(frozen=True)
class Thresholds:
    answer: float
    suggest: float
    margin: float = 0.0  # the runner-up must trail by this much for a confident answer


@dataclass(frozen=True)
class Query:
    text: str
    terms: dict[int, tuple[float, float]]  # term id -> (message weight, similarity)
    total: float
    known: float  # share of the message weight the KB vocabulary covers


def prepare(index: MatchIndex, text: str) -> Query | None:
    tokens = list(dict.fromkeys(normalize_words(index.correct(words(text)))))
    if not tokens:
        return None
    terms: dict[int, tuple[float, float]] = {}
    total = known = 0.0
    for token in tokens:
        options = index.resolve(token)
        if not options:
            total += index.unknown_idf * UNKNOWN_WEIGHT
            continue
        weight = max(float(index.idf[t]) * s for t, s in options)
        total += weight
        known += weight
        for term, similarity in options:
            if term not in terms or terms[term][1] < similarity:
                terms[term] = (weight, similarity)
    return Query(" ".join(tokens), terms, total, known / total)


def features(index: MatchIndex, query: Query, limit: int = CANDIDATES) -> list[tuple[int, list[float]]]:
    """(article number, feature vector in ``FEATURES`` order) for the best candidates."""
    if not query.terms or not index.size:
        return []
    message = np.zeros(index.size)
    entry = np.zeros(index.size)
    article = np.zeros(len(index.articles))
    for term, (weight, similarity) in query.terms.items():
        gain = weight * similarity
        ids = index.entry_postings[term]
        message[ids] += gain
        entry[ids] += index.idf[term] * similarity
        article[index.article_postings[term]] += gain
        article[index.context_postings[term]] += gain * CONTEXT_WEIGHT
    message_cov = np.minimum(message / query.total, 1.0)
    entry_cov = np.minimum(entry / np.maximum(index.entry_weight, 1e-9), 1.0)
    f1 = 2 * message_cov * entry_cov / np.maximum(message_cov + entry_cov, 1e-9)
    best = np.maximum.reduceat(f1, index.article_start)
    article_cov = np.minimum(article[index.article_ids] / query.total, 1.0)
    rank = best + 0.3 * article_cov
    count = min(limit, len(rank))
    top = np.argpartition(-rank, count - 1)[:count]
    top = top[np.argsort(-rank[top], kind="stable")]
    top = top[rank[top] > 0]
    ends = np.append(index.article_start[1:], index.size)
    rows: list[tuple[int, list[float]]] = []
    for j in top:
        start, end = int(index.article_start[j]), int(ends[j])
        order = np.argsort(-f1[start:end], kind="stable")
        chosen = start + int(order[0])
        support = float(f1[start + int(order[1])]) if len(order) > 1 else 0.0
        text = " ".join(index.terms[t] for t in index.entry_terms[chosen])
        rows.append(
            (
                int(index.article_ids[j]),
                [
                    float(entry_cov[chosen]),
                    float(message_cov[chosen]),
                    float(article_cov[j]),
                    query.known,
                    fuzz.token_set_ratio(query.text, text) / 100,
                    float(best[j]),
                    support,
                    1 - math.exp(-float(entry[chosen]) / index.unknown_idf),
                ],
            )
        )
    return rows


def probability(values: list[float], weights: tuple[float, ...] = WEIGHTS) -> float:
    z = weights[-1] + sum(w * v for w, v in zip(weights, values, strict=False))
    return 1 / (1 + math.exp(-z))


def score(
    index: MatchIndex, text: str, weights: tuple[float, ...] = WEIGHTS
) -> list[tuple[int, float]]:
    """(article number, score in [0, 1]) for the best candidates, best first."""
    query = prepare(index, text)
    if query is None:
        return []
    scored = [(a, probability(v, weights)) for a, v in features(index, query)]
    scored.sort(key=lambda pair: -pair[1])
    return scored


def decide(
    index: MatchIndex, scored: list[tuple[int, float]], thresholds: Thresholds, limit: int = 3
) -> SearchResult:
    def as_match(article: int, value: float) -> Match:
        item = index.articles[article]
        return Match(item.slug, item.question, round(min(max(value, 0.0), 1.0), 4))

    keep = [as_match(a, s) for a, s in scored[: max(limit, 1)] if s >= thresholds.suggest]
    if not keep:
        return SearchResult("none", [])
    runner_up = scored[1][1] if len(scored) > 1 else 0.0
    top = scored[0][1]
    if top >= thresholds.answer and top - runner_up >= thresholds.margin:
        return SearchResult("answer", keep)
    return SearchResult("suggest", keep)


def search(
    index: MatchIndex,
    text: str,
    thresholds: Thresholds,
    limit: int = 3,
    weights: tuple[float, ...] = WEIGHTS,
) -> SearchResult:
    return decide(index, score(index, text, weights), thresholds, limit)
