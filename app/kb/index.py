"""The search index, built once per KB version. Pure: articles in, an immutable index out.

Every question and variant is an *entry*. Retrieval is BM25 over normalised tokens; a
message token the KB has never seen (a typo, an odd inflection) is mapped to the closest KB
words through a character-trigram index over the vocabulary, confirmed with rapidfuzz.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Indel

from app.kb.normalizer import normalize_tokens

K1 = 1.2
B = 0.75
MIN_TYPO_LEN = 4
TYPO_MIN_SIMILARITY = 0.8
TYPO_MAX_CANDIDATES = 2


@dataclass(frozen=True)
class ArticleText:
    slug: str
    question: str
    variants: tuple[str, ...] = ()
    context: str = ""  # answer, tags, category: weak evidence, never enough on its own


@dataclass(frozen=True)
class Entry:
    article: int
    tokens: frozenset[int]
    weight: float  # sum of the idf of its distinct tokens


def _grams(word: str) -> set[str]:
    padded = f"#{word}#"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@dataclass
class MatchIndex:
    articles: list[ArticleText]
    entries: list[Entry]
    entry_article: npt.NDArray[np.int32]
    article_entries: list[list[int]]
    article_context: list[frozenset[int]]
    context_postings: dict[int, npt.NDArray[np.int32]]
    vocab: dict[str, int]
    terms: list[str]
    idf: list[float]
    unknown_idf: float
    postings: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]]
    gram_terms: dict[str, list[int]]

    @classmethod
    def build(cls, articles: Sequence[ArticleText]) -> MatchIndex:
        token_lists: list[list[str]] = []
        owners: list[int] = []
        for number, article in enumerate(articles):
            for text in (article.question, *article.variants):
                tokens = normalize_tokens(text)
                if tokens:
                    token_lists.append(tokens)
                    owners.append(number)
        contexts = [normalize_tokens(a.context) if a.context else [] for a in articles]
        vocab: dict[str, int] = {}
        for tokens in (*token_lists, *contexts):
            for token in tokens:
                vocab.setdefault(token, len(vocab))
        n = max(len(token_lists), 1)
        df = Counter(vocab[t] for tokens in token_lists for t in set(tokens))
        unknown_idf = math.log(1 + (n - 0.5) / 1.5)
        idf = [unknown_idf] * len(vocab)
        for term_id, count in df.items():
            idf[term_id] = math.log(1 + (n - count + 0.5) / (count + 0.5))
        avg_len = sum(len(t) for t in token_lists) / n
        post_ids: dict[int, list[int]] = defaultdict(list)
        post_w: dict[int, list[float]] = defaultdict(list)
        entries: list[Entry] = []
        for entry_id, tokens in enumerate(token_lists):
            norm = K1 * (1 - B + B * len(tokens) / avg_len)
            ids = {vocab[t]: c for t, c in Counter(tokens).items()}
            for term_id, tf in ids.items():
                post_ids[term_id].append(entry_id)
                post_w[term_id].append(idf[term_id] * tf * (K1 + 1) / (tf + norm))
            weight = sum(idf[t] for t in ids)
            entries.append(Entry(owners[entry_id], frozenset(ids), weight))
        postings = [
            (np.array(post_ids[t], dtype=np.int32), np.array(post_w[t], dtype=np.float32))
            for t in range(len(vocab))
        ]
        gram_terms: dict[str, list[int]] = defaultdict(list)
        for term, term_id in vocab.items():
            if len(term) >= MIN_TYPO_LEN - 1:
                for gram in _grams(term):
                    gram_terms[gram].append(term_id)
        article_context = [frozenset(vocab[t] for t in tokens) for tokens in contexts]
        context_lists: dict[int, list[int]] = defaultdict(list)
        for number, terms in enumerate(article_context):
            for term_id in terms:
                context_lists[term_id].append(number)
        article_entries: list[list[int]] = [[] for _ in articles]
        for entry_id, owner in enumerate(owners):
            article_entries[owner].append(entry_id)
        return cls(
            articles=list(articles),
            entries=entries,
            entry_article=np.array(owners, dtype=np.int32),
            article_entries=article_entries,
            article_context=article_context,
            context_postings={t: np.array(a, dtype=np.int32) for t, a in context_lists.items()},
            vocab=vocab,
            terms=list(vocab),
            idf=idf,
            unknown_idf=unknown_idf,
            postings=postings,
            gram_terms=dict(gram_terms),
        )

    def resolve(self, token: str) -> list[tuple[int, float]]:
        """KB terms a message token stands for, with a similarity in (0, 1]."""
        term_id = self.vocab.get(token)
        if term_id is not None:
            return [(term_id, 1.0)]
        if len(token) < MIN_TYPO_LEN:
            return []
        grams = _grams(token)
        shared: Counter[int] = Counter()
        for gram in grams:
            shared.update(self.gram_terms.get(gram, ()))
        needed = max(2, len(grams) // 3)
        found: list[tuple[int, float]] = []
        for candidate, count in shared.most_common(20):
            if count < needed:
                break
            similarity = Indel.normalized_similarity(token, self.terms[candidate])
            if similarity >= TYPO_MIN_SIMILARITY:
                found.append((candidate, similarity))
        found.sort(key=lambda pair: -pair[1])
        return found[:TYPO_MAX_CANDIDATES]

    def retrieve(
        self, resolved: list[dict[int, float]], limit: int, context_weight: float = 0.3
    ) -> list[int]:
        """Up to ``limit`` article numbers whose entries score best under BM25."""
        scores = np.zeros(len(self.entries), dtype=np.float32)
        context = np.zeros(len(self.articles), dtype=np.float32)
        for options in resolved:
            for term_id, similarity in options.items():
                ids, weights = self.postings[term_id]
                if len(ids):
                    scores[ids] += weights * similarity
                articles = self.context_postings.get(term_id)
                if articles is not None:
                    context[articles] += self.idf[term_id] * similarity * context_weight
        if context.any():
            scores += context[self.entry_article]
        if not len(scores):
            return []
        top = min(limit * 4, len(scores))
        best = np.argpartition(-scores, top - 1)[:top]
        best = best[np.argsort(-scores[best])]
        found: list[int] = []
        for entry_id in best:
            if scores[entry_id] <= 0:
                break
            article = int(self.entry_article[entry_id])
            if article not in found:
                found.append(article)
                if len(found) == limit:
                    break
        return found
