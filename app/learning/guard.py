"""The guard: would a proposed wording pull other articles' own phrasings to its article?

Checked the way the calibration checks the KB (leave-one-out): the articles the matcher
finds nearest to the wording are its neighbours; each of their phrasings is searched
against them and the proposal's article with the wording added, without the phrasing
itself. A phrasing whose best match becomes the proposal's article would be answered (or
offered first) with the wrong article once the wording is a variant. With the encoders'
vectors each phrasing is scored as the bot scores a message, its cosines taken from the
cached vectors (an article's closest phrasing, the wording added to the proposal's
article's), so the encoders' evidence counts as much as it does in a reply: not more, as a
rule "closer to the wording than to its own phrasings" would (on a KB of few phrasings per
article it flagged most proposals). Only the neighbourhood is rebuilt (a few articles:
milliseconds per phrasing), so a proposal is checked in well under a second on any KB size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from app.kb.index import ArticleText, MatchIndex
from app.kb.matcher import WORDS, Model, rank, score
from app.kb.semantic import SemanticIndex, Vectors

NEIGHBOURS = 4  # nearest other articles checked
MAX_PHRASINGS = 12  # checked per neighbour


def pulls(
    index: MatchIndex,
    slug: str,
    text: str,
    semantic: Sequence[SemanticIndex] = (),
    vectors: Sequence[Vectors] = (),
    model: Model = WORDS,
) -> list[dict[str, Any]]:
    """The neighbours' phrasings that would go to ``slug`` with ``text`` as its variant:
    [{"slug", "text"}] (empty: safe). ``semantic``: the encoders' vectors of ``index``'s
    phrasings, ``vectors`` the same encoders' vector of ``text``, ``model`` the fitted model
    of those encoders: with them each phrasing is scored as the bot scores a message (the
    words and the encoders' cosines), else by words alone."""
    numbers = {a.slug: n for n, a in enumerate(index.articles)}
    target = numbers.get(slug)
    if target is None:
        return []
    encoders = bool(semantic) and len(semantic) == len(vectors) == len(model.encoders)
    near = [a for a, _, _ in rank(index, text) if a != target][:NEIGHBOURS]
    if encoders:  # the encoders' nearest articles too: their evidence is what moves
        for kb_vectors, vector in zip(semantic, vectors, strict=True):
            cosines = kb_vectors.article_cosines(vector)
            cosines[target] = -2.0
            near += [int(a) for a in np.argsort(-cosines)[:NEIGHBOURS] if cosines[a] > -1]
        near = list(dict.fromkeys(near))
    own = index.articles[target]
    with_it = ArticleText(own.slug, own.question, (*own.variants, text), own.context)
    found: list[dict[str, Any]] = []
    for number in near:
        other = index.articles[number]
        entries = np.flatnonzero(index.entry_article == number)
        if len(entries) < 2:
            continue  # without its only phrasing the article is not there to lose it
        rest = [n for n in near if n != number]
        for entry in entries[:MAX_PHRASINGS]:
            phrasing = index.entry_texts[entry]
            kept = [index.entry_texts[e] for e in entries if e != entry]
            left = ArticleText(other.slug, kept[0], tuple(kept[1:]), other.context)
            articles = [left, *(index.articles[n] for n in rest)]
            before = after = None
            if encoders:  # cosines per article of the small index: [target, left, *rest]
                before, after = [], []
                for kb, vector in zip(semantic, vectors, strict=True):
                    row = kb.article_cosines(kb.vectors[entry])
                    others = entries[entries != entry]
                    row[number] = float((kb.vectors[others] @ kb.vectors[entry]).max())
                    small = np.array([row[target], row[number], *(row[n] for n in rest)])
                    before.append(small)
                    after.append(small.copy())
                    after[-1][0] = max(small[0], float(vector @ kb.vectors[entry]))
            if _goes_to_first(phrasing, [with_it, *articles], model, after) and not (
                _goes_to_first(phrasing, [own, *articles], model, before)
            ):  # pulled by the wording, not confused with the article already
                found.append({"slug": other.slug, "text": phrasing})
    return found


def _goes_to_first(
    text: str,
    articles: list[ArticleText],
    model: Model,
    cosines: list[npt.NDArray[np.float64]] | None,
) -> bool:
    if cosines is None:
        scored = score(MatchIndex.build(articles), text)
    else:
        scored = score(MatchIndex.build(articles), text, model, cosines)
    return bool(scored) and scored[0][0] == 0
