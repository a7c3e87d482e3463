"""The search index, built once per KB version. Pure: articles in, an immutable index out.

Every question and variant is an *entry*; an article's entries are stored contiguously so
per-article maxima are one ``np.maximum.reduceat``. Postings map a normalised term to the
entries (and articles) that use it, as numpy arrays, so scoring a message is a handful of
vectorised adds instead of a Python loop per article. Two typo paths, both bounded by a
character-trigram index: a message *word* the KB and the lexicon have never seen is
corrected to the closest KB surface word ("trasfer" -> "transfer"), and a normalised
*term* the KB lacks is mapped to the closest KB terms with a similarity below 1.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import OSA, Indel, Levenshtein

from app.kb.colloquial import standard_forms
from app.kb.normalizer import (
    chat_vocabulary,
    english_choices,
    is_lexicon_word,
    normalize_words,
    words,
)

MIN_TYPO_LEN = 4
TYPO_MIN_SIMILARITY = 0.8
TYPO_MAX_CANDIDATES = 2
CONTEXT_WEIGHT = 0.5  # a word found only in the answer/tags counts half

Ints = npt.NDArray[np.int32]
Floats = npt.NDArray[np.float64]
_EMPTY: Ints = np.zeros(0, dtype=np.int32)


@dataclass(frozen=True)
class ArticleText:
    slug: str
    question: str
    variants: tuple[str, ...] = ()
    context: str = ""  # answer, tags, category: weak evidence, never enough on its own


def typo_similarity(word: str, other: str) -> float:
    """Indel similarity when ``word`` is one slip away from ``other``, else 0.

    Chat typos drop, add or swap a letter (bayr, trasfer, retrun). Swapping one letter for
    another mostly makes a different real word (malam/dalam, resep/reset), so a substitution
    only counts in long words.
    """
    if OSA.distance(word, other, score_cutoff=1) > 1:
        return 0.0
    if len(word) == len(other) and Levenshtein.distance(word, other) == 1 and len(word) < 7:
        return 0.0
    return Indel.normalized_similarity(word, other)


def _grams(word: str) -> set[str]:
    padded = f"#{word}#"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class _Grams:
    """Trigram index over a word list for bounded nearest-word lookups."""

    def __init__(self, items: Iterable[str]) -> None:
        self.items = [w for w in items if len(w) >= MIN_TYPO_LEN - 1]
        table: dict[str, list[int]] = defaultdict(list)
        for number, word in enumerate(self.items):
            for gram in _grams(word):
                table[gram].append(number)
        self.table = dict(table)

    def nearest(self, word: str, limit: int) -> list[tuple[str, float]]:
        grams = _grams(word)
        shared: Counter[int] = Counter()
        for gram in grams:
            shared.update(self.table.get(gram, ()))
        needed = max(2, len(grams) // 3)
        found: list[tuple[str, float]] = []
        for candidate, count in shared.most_common(20):
            if count < needed:
                break
            other = self.items[candidate]
            similarity = typo_similarity(word, other)
            if similarity >= TYPO_MIN_SIMILARITY:
                found.append((other, similarity))
        found.sort(key=lambda pair: (-pair[1], pair[0]))
        return found[:limit]


def _postings(rows: Sequence[Iterable[int]], size: int) -> list[Ints]:
    lists: list[list[int]] = [[] for _ in range(size)]
    for number, terms in enumerate(rows):
        for term in terms:
            lists[term].append(number)
    return [np.array(ids, dtype=np.int32) if ids else _EMPTY for ids in lists]


def _centroids(
    entry_terms: Sequence[tuple[int, ...]],
    owners: Sequence[int],
    idf: Floats,
    articles: int,
    article_postings: Sequence[Ints],
) -> list[Floats]:
    """Per term, its weight in each article's centroid (the sum of the article's unit tf-idf
    entry vectors, unit length): article-level evidence that pools phrasings. Weights are
    divided by the article's *tightness*, the mean cosine of its own entries to the centroid,
    so a message scores 1 when it is as close as a typical phrasing, whether the article
    has 3 phrasings or 100 (a centroid of many phrasings is far from each of them)."""
    sums: list[dict[int, float]] = [{} for _ in range(articles)]
    units: list[list[tuple[int, float]]] = []
    for ids, owner in zip(entry_terms, owners, strict=True):
        weights = idf[list(ids)]
        norm = float(np.sqrt((weights * weights).sum())) or 1.0
        unit = [(term, float(value) / norm) for term, value in zip(ids, weights, strict=True)]
        units.append(unit)
        row = sums[owner]
        for term, value in unit:
            row[term] = row.get(term, 0.0) + value
    norms = [math.sqrt(sum(v * v for v in row.values())) or 1.0 for row in sums]
    closeness: list[list[float]] = [[] for _ in range(articles)]
    for unit, owner in zip(units, owners, strict=True):
        row = sums[owner]
        closeness[owner].append(sum(v * row[t] for t, v in unit) / norms[owner])
    scale = [norms[a] * (sum(c) / len(c) if c else 1.0) for a, c in enumerate(closeness)]
    return [
        np.array([sums[a][term] / scale[a] for a in ids], dtype=np.float64)
        for term, ids in enumerate(article_postings)
    ]


@dataclass
class MatchIndex:
    articles: list[ArticleText]
    vocab: dict[str, int]
    terms: list[str]
    idf: Floats
    unknown_idf: float
    entry_terms: list[tuple[int, ...]]  # distinct term ids, first-seen order
    entry_texts: list[str]  # the phrasing each entry came from
    entry_article: Ints
    entry_weight: Floats  # sum of the idf of its distinct terms
    entry_inverse: Floats  # 1 / entry_weight, precomputed for the hot path
    article_start: Ints  # first entry of each article that has entries
    article_ids: Ints  # the articles those starts belong to
    entry_postings: list[Ints]
    article_postings: list[Ints]  # articles using the term in any entry
    centroid_weights: list[Floats]  # aligned with article_postings: unit article centroid
    context_postings: list[Ints]  # articles using the term only in answer/tags
    surface: frozenset[str]
    surface_grams: _Grams
    chat_grams: _Grams
    term_grams: _Grams

    @property
    def size(self) -> int:
        return len(self.entry_terms)

    @classmethod
    def build(cls, articles: Sequence[ArticleText]) -> MatchIndex:
        vocab: dict[str, int] = {}
        surface: set[str] = set()
        entry_terms: list[tuple[int, ...]] = []
        entry_texts: list[str] = []
        owners: list[int] = []
        contexts: list[set[int]] = []
        for number, article in enumerate(articles):
            for text in (article.question, *article.variants):
                surface_words = words(text)
                surface.update(surface_words)
                tokens = normalize_words(surface_words)
                if tokens:
                    ids = tuple(dict.fromkeys(vocab.setdefault(t, len(vocab)) for t in tokens))
                    entry_terms.append(ids)
                    entry_texts.append(text)
                    owners.append(number)
            context_words = words(article.context) if article.context else ()
            surface.update(context_words)
            contexts.append(
                {vocab.setdefault(t, len(vocab)) for t in normalize_words(context_words)}
            )
        n = max(len(entry_terms), 1)
        df = np.bincount(
            np.fromiter((t for ids in entry_terms for t in ids), dtype=np.int64),
            minlength=len(vocab),
        )
        unknown_idf = math.log(1 + (n - 0.5) / 1.5)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        idf[df == 0] = unknown_idf  # context-only words: as rare as they can be
        weight = np.array([idf[list(ids)].sum() for ids in entry_terms], dtype=np.float64)
        owner_array = np.array(owners, dtype=np.int32)
        present, starts = np.unique(owner_array, return_index=True)
        article_terms: list[set[int]] = [set() for _ in articles]
        for ids, owner in zip(entry_terms, owners, strict=True):
            article_terms[owner].update(ids)
        only_context = [ctx - terms for ctx, terms in zip(contexts, article_terms, strict=True)]
        article_postings = _postings(article_terms, len(vocab))
        return cls(
            articles=list(articles),
            vocab=vocab,
            terms=list(vocab),
            idf=idf,
            unknown_idf=unknown_idf,
            entry_terms=entry_terms,
            entry_texts=entry_texts,
            entry_article=owner_array,
            entry_weight=weight,
            entry_inverse=1 / np.maximum(weight, 1e-9),
            article_start=starts.astype(np.int32),
            article_ids=present.astype(np.int32),
            entry_postings=_postings(entry_terms, len(vocab)),
            article_postings=article_postings,
            centroid_weights=_centroids(entry_terms, owners, idf, len(articles), article_postings),
            context_postings=_postings(only_context, len(vocab)),
            surface=frozenset(surface),
            surface_grams=_Grams(sorted(w for w in surface if w.isalpha())),
            chat_grams=_Grams(sorted(chat_vocabulary() - surface)),
            term_grams=_Grams(vocab),
        )

    def correct(self, surface_words: tuple[str, ...]) -> tuple[str, ...]:
        """Replace words neither the KB nor the lexicon knows by the closest known word."""
        out: list[str] = []
        for word in surface_words:
            if (
                len(word) >= MIN_TYPO_LEN - 1
                and word.isalpha()
                and word not in self.surface
                and not is_lexicon_word(word)
                and not all(t in self.vocab for t in normalize_words((word,)))
            ):
                if len(word) < MIN_TYPO_LEN:
                    word = self._restore_vowel(word)
                elif standard := self._standard_form(word):
                    word = standard
                else:
                    # A KB word one slip away beats a chat word: it is what the message is about.
                    found = self.surface_grams.nearest(word, 1) or self.chat_grams.nearest(word, 1)
                    if found:
                        word = found[0][0]
            out.append(word)
        return tuple(out)

    def read_english(self, surface_words: tuple[str, ...]) -> tuple[str, ...]:
        """An ambiguous English word becomes the Indonesian reading this KB uses ("account" is
        akun in a shop's KB and rekening in a bank's). Where the KB uses several, the one that
        fits the rest of the message best (closest phrasing by shared idf) wins; where it uses
        none, the first."""
        out = list(surface_words)
        for at in range(len(surface_words) - 1, -1, -1):  # from the end: indices stay valid
            choices = english_choices(surface_words, at)
            if choices:
                best = max(
                    choices,
                    key=lambda c: self._fit([*out[:at], *c, *out[at + 1 :]], c),
                )
                out[at : at + 1] = best
        return tuple(out)

    def _fit(self, message: list[str], reading: tuple[str, ...]) -> float:
        """How much of the message (by idf) its closest KB phrasing covers with this reading,
        or -1 when the KB uses none of the reading's terms."""
        if not self._uses(reading):
            return -1.0
        gains = np.zeros(self.size)
        total = 0.0
        for term in dict.fromkeys(normalize_words(tuple(message))):
            term_id = self.vocab.get(term)
            if term_id is None:
                total += self.unknown_idf
                continue
            total += float(self.idf[term_id])
            gains[self.entry_postings[term_id]] += self.idf[term_id]
        return float(gains.max()) / total if self.size and total else 0.0

    def _standard_form(self, word: str) -> str | None:
        """The first standard spelling of a colloquial word that the KB's own terms cover
        (nutup -> tutup where an article says menutup): a rule's guess counts only when it
        lands on what the KB talks about."""
        for form in standard_forms(word):
            if self._uses((form,)):
                return form
        return None

    def _uses(self, surface_words: tuple[str, ...]) -> bool:
        """True when the KB's own terms cover every content word of ``surface_words``."""
        tokens = normalize_words(surface_words)
        return bool(tokens) and all(t in self.vocab for t in tokens)

    def _restore_vowel(self, word: str) -> str:
        """Chat drops a vowel from short words ("bru" for "baru"): too short for the edit-distance
        path, so only a single missing vowel is restored, and only when it is unambiguous."""
        found = {word[:i] + vowel + word[i:] for i in range(1, len(word) + 1) for vowel in "aeiou"}
        known = sorted(w for w in found if w in self.surface) or sorted(
            w for w in found if is_lexicon_word(w)
        )
        return known[0] if len(known) == 1 else word

    def resolve(self, token: str) -> list[tuple[int, float]]:
        """KB terms a normalised token stands for, with a similarity in (0, 1]."""
        term_id = self.vocab.get(token)
        if term_id is not None:
            return [(term_id, 1.0)]
        if len(token) < MIN_TYPO_LEN:
            return []
        return [
            (self.vocab[term], similarity)
            for term, similarity in self.term_grams.nearest(token, TYPO_MAX_CANDIDATES)
        ]
