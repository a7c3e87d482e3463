"""Grouping similar customer questions (pure, no I/O): what the knowledge base is missing.

Texts are normalised (the KB's Indonesian normaliser when present, so "gmn" and "bagaimana"
meet), exact duplicates are merged, then greedy leader clustering: each text, most frequent
first, joins the first leader it resembles (rapidfuzz ``token_set_ratio`` at or above the
threshold) or becomes a leader itself. The comparison loop runs inside rapidfuzz (C).
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

from rapidfuzz import fuzz, process

SIMILARITY_THRESHOLD = 80.0
EXAMPLES_PER_GROUP = 5
_NOT_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def fold_text(text: str) -> str:
    """Lowercase, strip accents and punctuation, squeeze spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", plain)).strip()


def _load_normalizer() -> Callable[[str], str]:
    try:
        module = importlib.import_module("app.kb.normalizer")
    except ImportError:
        return fold_text
    return cast(Callable[[str], str], getattr(module, "normalize_text", fold_text))


normalize = _load_normalizer()


@dataclass
class Group:
    key: str  # the leader's normalised text
    count: int = 0
    texts: Counter[str] = field(default_factory=Counter)
    tags: Counter[str] = field(default_factory=Counter)  # what the caller attached to texts

    @property
    def example(self) -> str:
        return self.texts.most_common(1)[0][0]

    def examples(self, limit: int = EXAMPLES_PER_GROUP) -> list[str]:
        return [text for text, _ in self.texts.most_common(limit)]


def cluster_texts(
    texts: Sequence[str],
    *,
    tags: Sequence[str | None] | None = None,
    threshold: float = SIMILARITY_THRESHOLD,
) -> list[Group]:
    """Groups of similar texts, largest first (ties: alphabetical by example). ``tags``, one
    per text or None, are counted per group (``Group.tags``)."""
    originals: dict[str, Counter[str]] = {}
    tagged: dict[str, Counter[str]] = {}
    for text, tag in zip(texts, [None] * len(texts) if tags is None else tags, strict=True):
        stripped = " ".join(text.split())
        key = normalize(stripped) or fold_text(stripped)
        if key:
            originals.setdefault(key, Counter())[stripped] += 1
            if tag is not None:
                tagged.setdefault(key, Counter())[tag] += 1
    by_frequency = sorted(originals, key=lambda k: (-sum(originals[k].values()), k))
    leaders: list[str] = []
    groups: list[Group] = []
    for key in by_frequency:
        match = process.extractOne(
            key, leaders, scorer=fuzz.token_set_ratio, score_cutoff=threshold
        )
        if match is None:
            leaders.append(key)
            groups.append(Group(key=key))
            group = groups[-1]
        else:
            group = groups[match[2]]
        group.texts.update(originals[key])
        group.tags.update(tagged.get(key, ()))
        group.count += sum(originals[key].values())
    groups.sort(key=lambda g: (-g.count, g.example))
    return groups
