"""The guard: would a proposed wording pull other articles' own phrasings to its article?

Checked the way the calibration checks the KB (leave-one-out): the articles the matcher
finds nearest to the wording are its neighbours; each of their phrasings is searched
against them and the proposal's article with the wording added, without the phrasing
itself. A phrasing whose best match becomes the proposal's article would be answered (or
offered first) with the wrong article once the wording is a variant. Only the neighbourhood
is rebuilt (a few articles: milliseconds per phrasing), so a proposal is checked in well
under a second on any KB size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from app.kb.index import ArticleText, MatchIndex
from app.kb.matcher import rank, score
from app.kb.semantic import SemanticIndex, Vectors

NEIGHBOURS = 4  # nearest other articles checked
MAX_PHRASINGS = 12  # per neighbour


def pulls(
    index: MatchIndex,
    slug: str,
    text: str,
    semantic: Sequence[SemanticIndex] = (),
    vectors: Sequence[Vectors] = (),
) -> list[dict[str, Any]]:
    """The neighbours' phrasings that would go to ``slug`` with ``text`` as its variant:
    [{"slug", "text"}] (empty: safe). ``semantic``: the encoders' vectors of ``index``'s
    phrasings, ``vectors`` the same encoders' vector of ``text`` (see ``encoder_pulls``)."""
    numbers = {a.slug: n for n, a in enumerate(index.articles)}
    target = numbers.get(slug)
    if target is None:
        return []
    near = [a for a, _, _ in rank(index, text) if a != target][:NEIGHBOURS]
    own = index.articles[target]
    with_it = ArticleText(own.slug, own.question, (*own.variants, text), own.context)
    found: list[dict[str, Any]] = []
    for number in near:
        other = index.articles[number]
        phrasings = [other.question, *other.variants][:MAX_PHRASINGS]
        if len(phrasings) < 2:
            continue  # without its only phrasing the article is not there to lose it
        rest = [index.articles[n] for n in near if n != number]
        for at, phrasing in enumerate(phrasings):
            kept = phrasings[:at] + phrasings[at + 1 :]
            left = ArticleText(other.slug, kept[0], tuple(kept[1:]), other.context)
            if _goes_to_first(phrasing, [with_it, left, *rest]) and not _goes_to_first(
                phrasing, [own, left, *rest]
            ):  # pulled by the wording, not confused with the article already
                found.append({"slug": other.slug, "text": phrasing})
    seen = {(p["slug"], p["text"]) for p in found}
    for pulled in encoder_pulls(index, target, semantic, vectors):
        if (pulled["slug"], pulled["text"]) not in seen:
            found.append(pulled)
    return found


def encoder_pulls(
    index: MatchIndex,
    target: int,
    semantic: Sequence[SemanticIndex],
    vectors: Sequence[Vectors],
) -> list[dict[str, Any]]:
    """The encoders' side: a phrasing of a nearby article that is closer (by every encoder)
    to the wording than to any other phrasing of its own article would find the wording's
    article first once the wording is a variant (the encoder's evidence is its closest
    phrasing), so it is pulled."""
    if not semantic or len(semantic) != len(vectors):
        return []
    near: set[int] = set()
    for kb_vectors, vector in zip(semantic, vectors, strict=True):
        cosines = kb_vectors.article_cosines(vector)
        cosines[target] = -2.0
        near.update(int(a) for a in np.argsort(-cosines)[:NEIGHBOURS] if cosines[a] > -1)
    found: list[dict[str, Any]] = []
    for number in sorted(near):
        entries = np.flatnonzero(index.entry_article == number)[:MAX_PHRASINGS]
        if len(entries) < 2:
            continue
        for entry in entries:
            others = entries[entries != entry]
            if all(
                float(kb.vectors[entry] @ vector)
                > float((kb.vectors[others] @ kb.vectors[entry]).max())
                for kb, vector in zip(semantic, vectors, strict=True)
            ):
                found.append(
                    {"slug": index.articles[number].slug, "text": index.entry_texts[entry]}
                )
    return found


def _goes_to_first(text: str, articles: list[ArticleText]) -> bool:
    scored = score(MatchIndex.build(articles), text)
    return bool(scored) and scored[0][0] == 0
