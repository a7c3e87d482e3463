"""Scoring and the answer / suggest / none decision. Pure functions over a ``MatchIndex``.

BM25 only ranks; it is not a confidence. Each retrieved article is rescored in [0, 1] as
the best of its entries, where an entry's score is the harmonic mean of
- message coverage: how much of the message's (idf-weighted) content the entry explains, and
- entry coverage: how much of the entry's content the message mentions,
blended with a rapidfuzz token-set similarity of the normalised texts. A message that talks
about something else (unknown words, words the entry lacks) loses coverage, which is what
keeps out-of-scope questions from being answered confidently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from app.kb.index import MatchIndex
from app.kb.normalizer import normalize_tokens

Decision = Literal["answer", "suggest", "none"]
CANDIDATES = 8


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
class Weights:
    fuzzy: float = 0.2
    unknown: float = 0.6  # weight of a word the KB never uses, relative to a rare KB word
    context: float = 0.5  # credit for a message word found only in the article's answer/tags
    beta: float = 1.0  # >1 trusts entry coverage more than message coverage


@dataclass(frozen=True)
class _Query:
    text: str
    terms: list[tuple[float, dict[int, float]]]  # (weight, {term id: similarity})
    total: float


def _prepare(index: MatchIndex, text: str, weights: Weights) -> _Query | None:
    tokens = list(dict.fromkeys(normalize_tokens(text)))
    if not tokens:
        return None
    terms: list[tuple[float, dict[int, float]]] = []
    for token in tokens:
        options = dict(index.resolve(token))
        if options:
            weight = max(index.idf[t] for t in options)
        else:
            weight = index.unknown_idf * weights.unknown
        terms.append((weight, options))
    return _Query(" ".join(tokens), terms, sum(w for w, _ in terms) or 1.0)


def _entry_score(index: MatchIndex, query: _Query, entry_id: int, weights: Weights) -> float:
    entry = index.entries[entry_id]
    context = index.article_context[entry.article]
    covered = 0.0
    seen: dict[int, float] = {}
    for weight, options in query.terms:
        best = 0.0
        for term_id, similarity in options.items():
            if term_id in entry.tokens:
                best = max(best, similarity)
                seen[term_id] = max(seen.get(term_id, 0.0), similarity)
            elif term_id in context:
                best = max(best, similarity * weights.context)
        covered += weight * best
    if not seen:
        return 0.0
    message_cov = covered / query.total
    entry_cov = sum(index.idf[t] * s for t, s in seen.items()) / (entry.weight or 1.0)
    beta2 = weights.beta * weights.beta
    tokens = (1 + beta2) * message_cov * entry_cov / (beta2 * message_cov + entry_cov)
    if weights.fuzzy <= 0:
        return tokens
    text = " ".join(index.terms[t] for t in sorted(entry.tokens))
    similarity = fuzz.token_set_ratio(query.text, text) / 100
    return (1 - weights.fuzzy) * tokens + weights.fuzzy * similarity


def score(
    index: MatchIndex, text: str, weights: Weights | None = None, candidates: int = CANDIDATES
) -> list[tuple[int, float]]:
    """(article number, score in [0, 1]) for the best candidates, best first."""
    weights = weights or Weights()
    query = _prepare(index, text, weights)
    if query is None:
        return []
    found = index.retrieve([options for _, options in query.terms], candidates)
    scored = [
        (article, max(_entry_score(index, query, e, weights) for e in index.article_entries[article]))
        for article in found
    ]
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
    weights: Weights | None = None,
) -> SearchResult:
    return decide(index, score(index, text, weights), thresholds, limit)
