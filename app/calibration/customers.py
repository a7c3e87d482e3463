"""Customers' questions as probes: each searched as the bot would search it now, against the
KB without any wording learned from that very question (else it would find itself).

The learned wordings that match a question are held out by folds, as the leave-one-out
does with phrasings: the questions are dealt into ``FOLDS`` folds and each fold is searched
against an index without the learned wordings of its questions (the full index when a fold
holds none). The questions are not in the vector cache: each is embedded once, as a
customer's message is. Pure CPU: the job runs it in a worker thread.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from app.calibration.evidence import Asked
from app.calibration.loo import FOLDS, Probe, keep_phrasings
from app.calibration.questions import VectorCache, embed_questions
from app.kb.index import MatchIndex
from app.kb.matcher import Model, score
from app.kb.offtopic import declines
from app.kb.semantic import Encoder, SemanticIndex, Vectors
from app.learning.scrub import scrub, wording_key

NONE = -1  # the "article" of a question no article answers: any answer to it is wrong


def customer_probes(
    index: MatchIndex,
    semantic: Sequence[SemanticIndex] | None,
    encoders: Sequence[Encoder],
    model: Model,
    asked: Sequence[Asked],
    *,
    learned: Callable[[str, str], bool] = lambda slug, text: False,
    stop: Callable[[], bool] = lambda: False,
    cache: VectorCache | None = None,
) -> list[Probe]:
    """One probe per question whose article (if any) is still in the KB. ``cache``: the
    questions' vectors from earlier calibrations (``app.calibration.questions``): a
    calibration again on new conversations finds most questions there."""
    numbers = {article.slug: n for n, article in enumerate(index.articles)}
    kept = [a for a in asked if a.slug is None or a.slug in numbers]
    if not kept:
        return []
    vectors = [s.vectors for s in semantic] if semantic else []
    texts = [a.text for a in kept]
    queries = (
        embed_questions(index, encoders, texts, {} if cache is None else cache) if vectors else []
    )
    # The learned wordings in the KB, by their key: the entries a question may find itself in.
    learned_entries: dict[str, list[int]] = {}
    for entry, (text, number) in enumerate(
        zip(index.entry_texts, index.entry_article, strict=True)
    ):
        if learned(index.articles[int(number)].slug, text):
            learned_entries.setdefault(wording_key(text), []).append(entry)
    keys = [wording_key(scrub(a.text)) for a in kept]
    phrasings = {wording_key(text) for text in index.entry_texts}
    # The questions no article answered, as the search would know them (app.kb.offtopic).
    unanswered = [
        m for m, a in enumerate(kept) if a.slug is None and wording_key(a.text) not in phrasings
    ]
    probes: list[Probe] = []
    for fold in range(FOLDS):
        if stop():
            break
        members = list(range(fold, len(kept), FOLDS))
        if not members:
            continue
        out = {e for m in members for e in learned_entries.get(keys[m], ())}
        fold_index, fold_semantic = _without(index, vectors, out)
        # The fold's own questions are not known yet when they are asked.
        known = [m for m in unanswered if m % FOLDS != fold]
        for m in members:
            text, slug = kept[m].text, kept[m].slug
            cosines = [s.article_cosines(q[m]) for s, q in zip(fold_semantic, queries, strict=True)]
            encoder = score(fold_index, text, model, cosines) if fold_semantic else None
            declined = bool(encoder and known) and declines(
                [float((q[known] @ q[m]).max()) for q in queries],
                [float(c[encoder[0][0]]) for c in cosines] if encoder else [],
            )
            probes.append(
                Probe(
                    NONE if slug is None else numbers[slug],
                    text,
                    score(fold_index, text),
                    encoder,
                    declined,
                )
            )
    return probes


def _without(
    index: MatchIndex, vectors: Sequence[Vectors], out: set[int]
) -> tuple[MatchIndex, list[SemanticIndex]]:
    """``index`` (and its semantic indexes) without the entries ``out``."""
    if not out:
        return index, [SemanticIndex(v, index) for v in vectors]
    dropped: dict[int, Counter[str]] = {}
    for entry in out:
        owner = int(index.entry_article[entry])
        dropped.setdefault(owner, Counter())[index.entry_texts[entry]] += 1
    articles = []
    for number, article in enumerate(index.articles):
        gone = dropped.get(number)
        if gone is None:
            articles.append(article)
            continue
        keep = []
        for phrasing in (article.question, *article.variants):
            keep.append(gone[phrasing] <= 0)  # by count: identical phrasings, identical vectors
            gone[phrasing] -= 1
        articles.append(keep_phrasings(article, keep))
    smaller = MatchIndex.build(articles)
    rows = [e for e in range(index.size) if e not in out]
    return smaller, [SemanticIndex(v[rows], smaller) for v in vectors]
