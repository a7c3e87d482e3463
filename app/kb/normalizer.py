"""Text normaliser for Indonesian customer chat. Pure functions, no I/O beyond the word lists.

Pipeline: Unicode folding and case -> tokens (punctuation and emoji dropped, reduplication
"barang2" / "langkah-langkah" folded) -> repeated letters ("bangettt") -> chat slang ->
English to Indonesian -> light affix stripping -> synonyms folded to one concept word ->
stop words dropped. Articles and messages go through the same pipeline, so the exact
surface form a rule produces matters less than producing it consistently.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache, lru_cache

from app.kb.lexicon import MAX_PHRASE, load_lexicon
from app.kb.stemmer import stem

_APOSTROPHES = str.maketrans("", "", "'’`´")
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_RUN3 = re.compile(r"([a-z])\1{2,}")
_REDUP_DIGIT = re.compile(r"^([a-z]{3,})2$")
# Amounts, counts and dates (50rb, rp100, 2x24, 3jt): never the topic. "4g" stays.
_AMOUNT = re.compile(r"^(?:(?:rp|idr|usd)\d.*|\d+(?:rb|ribu|k|jt|juta|an|x\d*|%)?)$")
_ENGLISH_SUFFIXES = (
    ("ies", "y"),
    ("es", ""),
    ("s", ""),
    ("ed", ""),
    ("ed", "e"),
    ("ing", ""),
    ("ing", "e"),
    ("ly", ""),
    ("ally", ""),
)


def fold(text: str) -> str:
    """Strip accents and compatibility forms, lower-case."""
    if text.isascii():
        return text.lower().translate(_APOSTROPHES)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold().translate(_APOSTROPHES)


def _raw_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for match in _TOKEN.finditer(fold(text)):
        parts = match.group().split("-")
        if len(parts) == 2 and parts[0] == parts[1]:
            parts = parts[:1]  # reduplication: langkah-langkah -> langkah
        for part in parts:
            if _AMOUNT.match(part):
                continue  # order numbers, amounts, dates: never the topic
            redup = _REDUP_DIGIT.match(part)
            tokens.append(redup.group(1) if redup else part)
    return tokens


@lru_cache(maxsize=262144)
def _squeeze(token: str, known: frozenset[str]) -> str:
    """Chat stretches letters ("bangettt", "kakkk"); Indonesian rarely ends on a double."""
    token = _RUN3.sub(r"\1\1", token)
    if token in known:
        return token
    if len(token) > 3 and token[-1] == token[-2] and token[-1].isalpha():
        token = token[:-1]
    return token


@cache
def _longest(table_name: str) -> dict[str, int]:
    """Per first word, the longest phrase in a lexicon table that starts with it."""
    longest: dict[str, int] = {}
    for key in getattr(load_lexicon(), table_name):
        longest[key[0]] = max(longest.get(key[0], 0), len(key))
    return longest


def _replace_phrases(tokens: Sequence[str], table_name: str) -> list[str]:
    """Greedy longest-match replacement of 1..MAX_PHRASE token phrases."""
    table: dict[tuple[str, ...], tuple[str, ...]] = getattr(load_lexicon(), table_name)
    longest = _longest(table_name)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        size_max = longest.get(tokens[i], 0)
        if not size_max:
            out.append(tokens[i])
            i += 1
            continue
        for size in range(min(size_max, len(tokens) - i), 0, -1):
            key = tuple(tokens[i : i + size])
            replacement = table.get(key)
            if replacement is not None:
                out.extend(replacement)
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _english_base(token: str, english: dict[tuple[str, ...], tuple[str, ...]]) -> str:
    """Map an inflected English word to a lexicon entry: couriers -> courier."""
    if (token,) in english or not token.isascii():
        return token
    for suffix, repl in _ENGLISH_SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            base = token[: -len(suffix)] + repl
            if (base,) in english:
                return base
    return token


@cache
def _known_words() -> frozenset[str]:
    lex = load_lexicon()
    singles = {k[0] for k in (*lex.english, *lex.synonyms) if len(k) == 1}
    return frozenset(singles | set(lex.slang) | lex.stopwords | lex.roots)


def words(text: str) -> tuple[str, ...]:
    """The surface words of ``text``: folded, tokenised, stretched letters squeezed."""
    known = _known_words()
    return tuple(_squeeze(raw, known) for raw in _raw_tokens(text))


def chat_vocabulary() -> frozenset[str]:
    """Single words the slang and English lexicons know: typo targets besides KB words."""
    lex = load_lexicon()
    return frozenset(lex.slang) | frozenset(k[0] for k in lex.english if len(k) == 1)


@lru_cache(maxsize=65536)
def _word_choices(word: str) -> tuple[tuple[str, ...], ...]:
    """Per word, cached: every message word is looked up on the search path."""
    lex = load_lexicon()
    return lex.english_choices.get(_english_base(word, lex.english), ())


def english_choices(words_: Sequence[str], at: int) -> tuple[tuple[str, ...], ...]:
    """The Indonesian readings of an ambiguous English word (``account``: akun or rekening),
    or () when it has one reading or belongs to an English phrase the lexicon knows."""
    choices = _word_choices(words_[at])
    if not choices:
        return ()
    lex = load_lexicon()
    for size in range(2, MAX_PHRASE + 1):
        for start in range(at - size + 1, at + 1):
            phrase = tuple(words_[max(start, 0) : start + size])
            if len(phrase) == size and phrase in lex.english:
                return ()
    return choices


def is_lexicon_word(word: str) -> bool:
    """True when the lexicon knows ``word`` (slang, English, synonym, stop word or root)."""
    return word in _known_words()


@lru_cache(maxsize=262144)
def _word_tokens(word: str) -> tuple[str, ...]:
    """Per-word part of the pipeline (slang, English inflection), cached: words repeat a lot."""
    lex = load_lexicon()
    return tuple(_english_base(t, lex.english) for t in lex.slang.get(word, (word,)))


# The question word each negation tags: "bisa ... tidak?", "sudah ... belum?".
_TAGGED_BY = {
    "tidak": frozenset({"bisa", "boleh", "ada", "apakah", "masih"}),
    "belum": frozenset({"sudah", "apakah"}),
}
_TAG_AFTER = frozenset({"atau", "apa"})  # "sudah dikirim atau belum": whether, not negation
# Right after these, tidak is the tag ("bisa gak", "ada gak"); after masih or apakah it is a
# real negation ("masih gak masuk": still not in).
_TAG_RIGHT_AFTER = frozenset({"bisa", "boleh", "ada"})
_CLAUSE = frozenset({"tapi", "tetapi", "padahal", "karena", "terus", "lalu", "but"})


def _drop_question_tags(tokens: list[str]) -> list[str]:
    """A negation that closes a yes/no question asks, it does not negate: "bisa refund
    tidak?", "bisa tidak", "sudah dikirim atau belum". Indonesian puts a real negation
    before its predicate (tidak bisa login), so one after "atau", right after "bisa",
    "boleh" or "ada", or last in a clause that opened with its question word is the
    question's tag; kept, it would match articles about things that did *not* happen."""
    out: list[str] = []
    opened: set[str] = set()  # question words seen in this clause
    for at, token in enumerate(tokens):
        tagged_by = _TAGGED_BY.get(token)
        if tagged_by is not None and out:
            if out[-1] in _TAG_AFTER or (token == "tidak" and out[-1] in _TAG_RIGHT_AFTER):
                continue
            if at == len(tokens) - 1 and opened & tagged_by:
                continue
        if token in _CLAUSE:
            opened.clear()
        else:
            opened.add(token)
        out.append(token)
    return out


@lru_cache(maxsize=65536)
def normalize_words(surface: tuple[str, ...]) -> tuple[str, ...]:
    """The canonical content words for a sequence of surface words (see ``words``)."""
    lex = load_lexicon()
    known = _known_words()
    tokens = _drop_question_tags([t for word in surface for t in _word_tokens(word)])
    tokens = _replace_phrases(tokens, "english")
    tokens = _replace_phrases(tokens, "synonyms")
    stemmed = [t if t in known else stem(t, lex.roots) for t in tokens]
    # An affixed chat word is slang only once stripped: di- + a slang root -> the root's word.
    stemmed = [
        s
        for t, root in zip(tokens, stemmed, strict=True)
        for s in (lex.slang.get(root, (root,)) if root != t else (root,))
    ]
    stemmed = _replace_phrases(stemmed, "synonyms")
    content = [t for t in stemmed if t and t not in lex.stopwords]
    # Once filler is gone a phrase split by a pronoun or particle meets again.
    content = _replace_phrases(content, "synonyms")
    return tuple(t for t in content if t not in lex.stopwords)


def normalize_tokens_cached(text: str) -> tuple[str, ...]:
    return normalize_words(words(text))


def normalize_tokens(text: str) -> list[str]:
    """The content words of ``text`` in canonical form (may repeat, order kept)."""
    return list(normalize_words(words(text)))


def normalize_text(text: str) -> str:
    """``normalize_tokens`` joined by spaces: a stable key for comparing and grouping."""
    return " ".join(normalize_words(words(text)))


def clear_caches() -> None:
    """Forget memoised words and texts (benchmarks time a cold index build with this)."""
    for cached in (normalize_words, _word_tokens, _word_choices, _squeeze, stem):
        cached.cache_clear()
