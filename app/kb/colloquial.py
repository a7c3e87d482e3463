"""Standard forms of colloquial Indonesian words, by rule rather than by list.

Chat verbs take a bare nasal instead of ``me-`` (nutup, ngirim, nyari, minjem, ngecek),
``ke-`` instead of ``ter-`` for the accidental passive (ketipu, ketelen), ``-in`` instead of
``-kan``/``-i`` (naikin, kirimin), and the Jakarta ``e`` in a last syllable that standard
spelling writes with ``a`` (pinjem, simpen, dapet). The slang lexicon lists the common
ones of the domains we wrote it for; these rules cover the rest of the language, so a KB
from any business meets its customers' verbs. They only propose candidates: the index takes
one only when it stands for words the KB itself uses (see ``MatchIndex.correct``), because a
rule applied blindly turns real words into other real words (nama -> tama).
"""

from __future__ import annotations

from functools import lru_cache

_VOWELS = frozenset("aeiou")
MIN_ROOT = 3  # a shorter remainder is noise, not a root


def _nasal_roots(word: str) -> list[str]:
    """Roots a bare chat nasal prefix may stand on: the consonant it replaced comes back."""
    if word.startswith("nge") and len(word) - 3 >= MIN_ROOT:
        return [word[3:]]  # ngecek, ngetrack: the prefix before a one-syllable or loan root
    if word.startswith("ng") and word[2:3] in _VOWELS:
        return [word[2:], "k" + word[2:]]  # ngaku -> aku, ngirim -> kirim
    if word.startswith("ny") and word[2:3] in _VOWELS:
        return ["c" + word[2:], "s" + word[2:]]  # nyari -> cari, nyimpen -> simpen
    if word.startswith("n") and word[1:2] in _VOWELS:
        return ["t" + word[1:]]  # nutup -> tutup, nanya -> tanya
    if word.startswith("m") and word[1:2] in _VOWELS:
        return ["p" + word[1:]]  # minjem -> pinjem, makai -> pakai
    return []


def _standard_vowel(word: str) -> str | None:
    """pinjem -> pinjam: the last syllable's ``e`` before a final consonant."""
    if len(word) >= 4 and word[-2] == "e" and word[-1] not in _VOWELS and word[-3] not in _VOWELS:
        return word[:-2] + "a" + word[-1]
    return None


@lru_cache(maxsize=65536)
def standard_forms(word: str) -> tuple[str, ...]:
    """Candidate standard spellings of a chat word, most literal first (never ``word``)."""
    stems = [word]
    if word.endswith("in") and len(word) - 2 >= MIN_ROOT + 1:
        stems.append(word[:-2])  # naikin -> naik, kirimin -> kirim
    bases: list[str] = []
    for stem in stems:
        bases.append(stem)
        bases.extend(_nasal_roots(stem))
        if stem.startswith("ke") and len(stem) - 2 >= MIN_ROOT + 1:
            bases.append(stem[2:])  # ketipu -> tipu, ketelen -> telen
    forms: list[str] = []
    for base in bases:
        if len(base) < MIN_ROOT:
            continue
        forms.append(base)
        vowel = _standard_vowel(base)
        if vowel is not None:
            forms.append(vowel)
    return tuple(f for f in dict.fromkeys(forms) if f != word)
