"""Questions the KB does not cover, learned from the business's own conversations: what
customers asked when an agent resolved their handoff without an article.

A message closer (by every encoder) to one of those questions than to the closest phrasing
of the article it would be answered with is not answered with it: the customer gets the
suggestions instead. Customers ask off-topic questions near the KB's topics (snoozing an
alarm where the KB only sets one), and the encoders score those as confidently as a
paraphrase; the threshold cannot tell them apart, but the business's past questions can.
The vectors are made by ``app.calibration.off_topic``; this module only decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.kb.matcher import Cosines
from app.kb.semantic import Vectors


@dataclass(frozen=True)
class OffTopic:
    encoders: tuple[str, ...]  # the encoder setup the vectors were made with
    vectors: tuple[Vectors, ...]  # per encoder: (questions, dim) unit vectors
    count: int  # questions

    def closest(self, queries: Sequence[Vectors]) -> list[Cosines]:
        """Per encoder, per query row: the cosine of the closest off-topic question."""
        out: list[Cosines] = []
        for known, query in zip(self.vectors, queries, strict=True):
            if not len(known):
                out.append(np.full(len(query), -1.0))
                continue
            out.append((np.asarray(query) @ known.T).max(axis=1).astype(np.float64))
        return out


def declines(off_topic: Sequence[float], article: Sequence[float]) -> bool:
    """Per encoder the closest off-topic question's cosine and the answered article's
    closest phrasing's: decline when every encoder finds the off-topic one closer."""
    return bool(off_topic) and all(o > a for o, a in zip(off_topic, article, strict=True))
