"""A per-KB discriminative model, trained at index build time from the KB's own phrasings.

The lexical scores say how well a message matches an article; they do not say which of two
look-alike articles it matches *better*, because a word shared by both counts for both. A
multinomial logistic regression over the normalised terms learns, from the articles' own
questions and variants (plus copies with one term dropped, the way chat leaves words out),
which terms tell each article apart from the others. Its probability is one more evidence
feature for the ranking and confidence models.

numpy only: samples are sparse term lists, so logits are a segment sum of weight rows and
the gradient a segment sum of residual rows. Training cost grows with terms x articles, so a
KB too big for the build budget gets no classifier and the matcher scores without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
MAX_WORK = 12_000_000  # sample terms x articles: keeps the build within its time budget
EPOCHS = 80
LEARNING_RATE = 0.1
L2 = 1e-4
MAX_SAMPLES_PER_ARTICLE = 24  # phrasings and drop-one-term copies of them


@dataclass(frozen=True)
class TermClassifier:
    weights: Floats  # term x article
    bias: Floats

    def probabilities(self, terms: dict[int, float]) -> Floats:
        """Softmax over all articles for a message given as term id -> weight."""
        if not terms:
            return np.zeros(len(self.bias))
        ids = np.fromiter(terms, dtype=np.int64, count=len(terms))
        values = np.fromiter(terms.values(), dtype=np.float64, count=len(terms))
        values /= np.sqrt((values * values).sum()) or 1.0
        logits = values @ self.weights[ids] + self.bias
        logits -= logits.max()
        exp = np.exp(logits)
        result: Floats = exp / exp.sum()
        return result


def _samples(
    entry_terms: Sequence[tuple[int, ...]], owners: Sequence[int], articles: int
) -> tuple[list[tuple[int, ...]], list[int]]:
    samples: list[tuple[int, ...]] = []
    labels: list[int] = []
    drops = [0] * articles
    for ids, owner in zip(entry_terms, owners, strict=True):
        if drops[owner] >= MAX_SAMPLES_PER_ARTICLE:
            continue  # 100 phrasings teach little more than 24, at four times the cost
        samples.append(ids)
        labels.append(owner)
        drops[owner] += 1
        if len(ids) < 3 or drops[owner] >= MAX_SAMPLES_PER_ARTICLE:
            continue
        for k in range(len(ids)):
            samples.append(ids[:k] + ids[k + 1 :])
            labels.append(owner)
        drops[owner] += len(ids)
    return samples, labels


def train(
    entry_terms: Sequence[tuple[int, ...]],
    owners: Sequence[int],
    idf: Floats,
    articles: int,
) -> TermClassifier | None:
    """Fit the model, or None when the KB is too small to need it or too big to afford it."""
    if articles < 2 or not entry_terms:
        return None
    samples, labels = _samples(entry_terms, owners, articles)
    lengths = np.array([len(s) for s in samples], dtype=np.int64)
    keep = lengths > 0
    if int(lengths.sum()) * articles > MAX_WORK:
        return None
    samples = [s for s, k in zip(samples, keep, strict=True) if k]
    y = np.array(labels, dtype=np.int64)[keep]
    lengths = lengths[keep]
    terms = np.fromiter((t for s in samples for t in s), dtype=np.int64)
    values = idf[terms]
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    norms = np.sqrt(np.add.reduceat(values * values, starts))
    values = values / np.repeat(norms, lengths)
    rows = np.repeat(np.arange(len(samples)), lengths)
    order = np.argsort(terms, kind="stable")
    sorted_terms = terms[order]
    unique_terms, term_starts = np.unique(sorted_terms, return_index=True)
    vocab = len(idf)
    weights = np.zeros((vocab, articles))
    bias = np.zeros(articles)
    onehot = np.zeros((len(samples), articles))
    onehot[np.arange(len(samples)), y] = 1.0
    # Adam: a few dozen full-batch steps are enough for a linearly separable FAQ.
    m_w, v_w = np.zeros_like(weights), np.zeros_like(weights)
    m_b, v_b = np.zeros_like(bias), np.zeros_like(bias)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, EPOCHS + 1):
        logits = np.add.reduceat(weights[terms] * values[:, None], starts) + bias
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        residual = (probs - onehot) / len(samples)
        contrib = residual[rows[order]] * values[order][:, None]
        grad_w = L2 * weights
        grad_w[unique_terms] += np.add.reduceat(contrib, term_starts)
        grad_b = residual.sum(axis=0)
        for param, grad, m, v in ((weights, grad_w, m_w, v_w), (bias, grad_b, m_b, v_b)):
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            param -= (
                LEARNING_RATE * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + eps)
            )
    return TermClassifier(weights, bias)
