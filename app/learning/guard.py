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

from typing import Any

from app.kb.index import ArticleText, MatchIndex
from app.kb.matcher import rank, score

NEIGHBOURS = 4  # nearest other articles checked
MAX_PHRASINGS = 12  # per neighbour


def pulls(index: MatchIndex, slug: str, text: str) -> list[dict[str, Any]]:
    """The neighbours' phrasings that would go to ``slug`` with ``text`` as its variant:
    [{"slug", "text"}] (empty: safe)."""
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
    return found


def _goes_to_first(text: str, articles: list[ArticleText]) -> bool:
    scored = score(MatchIndex.build(articles), text)
    return bool(scored) and scored[0][0] == 0
