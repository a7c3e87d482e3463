"""Leave-one-out over a KB's own phrasings: each phrasing searched as a customer's message
against the KB without it. Pure: articles (and the encoders' vectors of their phrasings) in,
one ``Probe`` per phrasing out.

Rebuilding the index once per phrasing would cost a KB build per phrasing; instead the
phrasings are dealt into ``FOLDS`` folds, an article's phrasings to different folds (so an
article keeps all but one of them when it has up to ``FOLDS``), and each fold is searched
against one index built without it. The encoders' vectors are the cached ones of the full
KB: a fold's semantic index is the rows of the phrasings it keeps, and a held-out phrasing's
query vector is its own row, so no text is embedded again.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from app.kb.index import ArticleText, MatchIndex
from app.kb.matcher import WORDS, Model, score
from app.kb.semantic import SemanticIndex, Vectors

FOLDS = 5
KEPT = -1  # the "fold" of a phrasing never held out
COSINE_CHUNK = 256  # held-out phrasings per matrix product (memory: chunk x phrasings)
Scored = list[tuple[int, float]]  # (article number, score), best first


@dataclass(frozen=True)
class Probe:
    """One held-out phrasing: its article and how the matcher scored it without it."""

    article: int  # the article number it belongs to (in the full KB's order)
    text: str
    words: Scored  # by words alone
    encoder: Scored | None  # with the encoders' evidence (None: no vectors)
    # Closer to a question the KB does not cover than to its best article (app.kb.offtopic):
    # the bot would not answer it by the encoders.
    declined: bool = False


def _folds(articles: Sequence[ArticleText], whole: bool = False) -> list[list[int]]:
    """Per article, the fold of each of its phrasings (question first, then variants).
    Deterministic (from the slug), so a KB calibrates the same way in every process.
    ``whole``: all of an article's phrasings in one fold (the article left out)."""
    out = []
    for article in articles:
        start = zlib.crc32(article.slug.encode()) % FOLDS
        count = 1 + len(article.variants)
        out.append([(start + (0 if whole else i)) % FOLDS for i in range(count)])
    return out


def keep_phrasings(article: ArticleText, keep: Sequence[bool]) -> ArticleText:
    """``article`` with only the phrasings (question first, then variants) ``keep`` marks."""
    phrasings = [p for p, k in zip((article.question, *article.variants), keep, strict=True) if k]
    if not phrasings:  # nothing left to match: the article stays for its answer's words
        return ArticleText(article.slug, "", (), article.context)
    return ArticleText(article.slug, phrasings[0], tuple(phrasings[1:]), article.context)


def leave_one_out(
    articles: Sequence[ArticleText],
    *,
    full: MatchIndex,
    vectors: Sequence[Vectors] = (),
    model: Model = WORDS,
    stop: Callable[[], bool] = lambda: False,
    whole: bool = False,
    learned: Callable[[str, str], bool] = lambda slug, text: False,
) -> list[Probe]:
    """A probe for every phrasing of an article that has another one (a lone phrasing
    held out leaves its article nothing to be found by). ``full`` is the index of
    ``articles``; ``vectors``, per encoder of ``model``, the unit vectors of ``full``'s
    entries in entry order (empty: words only). ``stop`` is asked between folds.
    ``learned(slug, text)``: a wording learned from customers, which stays in the index but
    is never a probe (see ``app.calibration.job``)."""
    folds = _folds(articles, whole)
    if not whole:
        for number, article in enumerate(articles):
            for position, text in enumerate((article.question, *article.variants)):
                if learned(article.slug, text):
                    folds[number][position] = KEPT
    # Which article and phrasing each entry of ``full`` is (entries skip empty phrasings).
    entry_of: dict[tuple[int, int], int] = {}
    at = 0
    for number, article in enumerate(articles):
        for position, text in enumerate((article.question, *article.variants)):
            if at < full.size and full.entry_texts[at] == text and full.entry_article[at] == number:
                entry_of[(number, position)] = at
                at += 1
    probes: list[Probe] = []
    for fold in range(FOLDS):
        if stop():
            break
        held = [
            (number, position)
            for number, article in enumerate(articles)
            if len(folds[number]) > 1 or whole
            for position in range(len(folds[number]))
            if folds[number][position] == fold and (number, position) in entry_of
        ]
        if not held:
            continue
        kept = [
            keep_phrasings(article, [f != fold for f in folds[number]])
            if len(folds[number]) > 1 or whole
            else article
            for number, article in enumerate(articles)
        ]
        index = MatchIndex.build(kept)
        held_entries = [entry_of[h] for h in held]
        semantic: list[SemanticIndex] = []
        if vectors:
            out = set(held_entries)
            rows = [e for e in range(full.size) if e not in out]
            semantic = [SemanticIndex(v[rows], index) for v in vectors]
        texts = [full.entry_texts[e] for e in held_entries]
        cosines = _cosines(semantic, vectors, held_entries) if semantic else None
        for at, ((number, _), text) in enumerate(zip(held, texts, strict=True)):
            words = score(index, text)
            encoder = None
            if cosines is not None:
                encoder = score(index, text, model, [c[at] for c in cosines])
            probes.append(Probe(number, text, words, encoder))
    return probes


def _cosines(
    semantic: Sequence[SemanticIndex], vectors: Sequence[Vectors], held: Sequence[int]
) -> list[list[np.ndarray]]:
    """Per encoder, per held-out phrasing: its cosine to each article's closest kept phrasing,
    a chunk of phrasings per matrix product."""
    out: list[list[np.ndarray]] = []
    for index, full in zip(semantic, vectors, strict=True):
        rows: list[np.ndarray] = []
        articles = len(index.index.articles)
        for start in range(0, len(held), COSINE_CHUNK):
            queries = full[list(held[start : start + COSINE_CHUNK])]
            if not len(index.vectors):
                rows.extend(np.full(articles, -1.0) for _ in range(len(queries)))
                continue
            products = (queries @ index.vectors.T).astype(np.float64)
            best = np.maximum.reduceat(products, index.index.article_start, axis=1)
            for row in best:
                cosines = np.full(articles, -1.0)
                cosines[index.index.article_ids] = row
                rows.append(cosines)
        out.append(rows)
    return out
