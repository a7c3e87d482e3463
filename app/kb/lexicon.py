"""The normaliser's word lists, kept as data files in ``app/kb/data/`` and read once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
MAX_PHRASE = 3


@dataclass(frozen=True)
class Lexicon:
    slang: dict[str, tuple[str, ...]]
    english: dict[tuple[str, ...], tuple[str, ...]]  # the default reading of each key
    # Single English words with several readings ("account": akun | rekening), in order.
    english_choices: dict[str, tuple[tuple[str, ...], ...]]
    synonyms: dict[tuple[str, ...], tuple[str, ...]]
    stopwords: frozenset[str]
    roots: frozenset[str]


def _read_json(name: str) -> dict[str, str]:
    raw: dict[str, str] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def _read_words(name: str) -> frozenset[str]:
    words: set[str] = set()
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(line.split())
    return frozenset(words)


def _phrases(mapping: dict[str, str]) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Key phrase -> its (first) replacement; ``a|b`` alternatives keep the first."""
    return {tuple(k.split()): tuple(v.split("|")[0].split()) for k, v in mapping.items()}


def _choices(mapping: dict[str, str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    return {
        k: tuple(tuple(option.split()) for option in v.split("|"))
        for k, v in mapping.items()
        if "|" in v and " " not in k
    }


@cache
def load_lexicon() -> Lexicon:
    english = _read_json("en_id.json")
    return Lexicon(
        slang={k: tuple(v.split()) for k, v in _read_json("slang.json").items()},
        english=_phrases(english),
        english_choices=_choices(english),
        synonyms=_phrases(_read_json("synonyms.json")),
        stopwords=_read_words("stopwords.txt"),
        roots=_read_words("roots.txt"),
    )
