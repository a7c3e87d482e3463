"""Light Indonesian affix stripping (a pared-down Nazief-Adriani without a full dictionary).

Good enough because articles and messages are stemmed alike: ``pengiriman``, ``dikirim``
and ``mengirim`` all become ``kirim``. A small root list resolves the nasal prefixes whose
first consonant disappears (meng+kirim -> mengirim). Guards keep short words intact.
"""

from __future__ import annotations

from functools import lru_cache

MIN_STEM = 4
_PARTICLES = ("pun",)  # -lah/-kah would eat roots: masalah, langkah
_POSSESSIVES = ("nya",)
_RARE_POSSESSIVES = ("ku", "mu")  # stripped only towards a known root: berlaku is ber+laku
_DERIVATIONAL = ("kan", "an", "in")  # -in: Jakarta chat for -kan (laporin)
_VOWELS = frozenset("aeiou")
_CLUSTER_OK = ("ng", "ny", "kh", "sy")


def _strip_suffix(word: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        # -kan leaves short roots intact (aju+kan); -an on a 3-letter rest is usually a root.
        shortest = MIN_STEM - 1 if suffix == "kan" else MIN_STEM
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest:
            return word[: -len(suffix)]
    return word


def _starts_with_cluster(rest: str) -> bool:
    return (
        len(rest) > 1
        and rest[0] not in _VOWELS
        and rest[1] not in _VOWELS
        and rest[1] not in "lr"  # loanwords: diblokir, ditransfer
        and not rest.startswith(_CLUSTER_OK)
    )


def _pick(candidates: list[str], roots: frozenset[str]) -> str:
    for candidate in candidates:
        if candidate in roots:
            return candidate
    return candidates[0]


def _strip_nasal(rest: str, roots: frozenset[str]) -> str | None:
    """``rest`` follows me-/pe-; return the root or None when it is not a nasal prefix."""
    if rest.startswith("ng"):
        tail = rest[2:]
        if tail[:1] in _VOWELS:
            return _pick([tail, "k" + tail], roots) if tail not in roots else tail
        return tail
    if rest.startswith("ny") and rest[2:3] in _VOWELS:
        return "s" + rest[2:]
    if rest.startswith("m"):
        tail = rest[1:]
        if tail[:1] in "bpf":
            return tail
        return _pick(["p" + tail, "m" + tail], roots)
    if rest.startswith("n"):
        tail = rest[1:]
        if tail[:1] in "dcjtsz":
            return tail
        return _pick(["t" + tail, "n" + tail], roots)
    if rest[:1] in "lrwy":
        return rest
    return None


def _strip_prefix(word: str, roots: frozenset[str]) -> tuple[str, bool]:
    for prefix in ("me", "pe"):
        if word.startswith(prefix):
            if prefix == "pe" and word.startswith("per"):
                if len(word) - 3 >= MIN_STEM:
                    return word[3:], True
                return word, False
            root = _strip_nasal(word[2:], roots)
            if root is not None and (len(root) >= MIN_STEM or root in roots):
                return root, True
            return word, False
    for prefix in ("ber", "ter", "di"):
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) >= MIN_STEM and not _starts_with_cluster(rest):
            return rest, True
    if word.startswith("ke") and word.endswith("an") and len(word) - 4 >= MIN_STEM:
        return word[2:-2], True
    if word.startswith("ke") and len(word) - 2 > MIN_STEM and word not in roots:
        return word[2:], True  # chat passive: kepotong, keblokir
    return word, False


def _stem_once(word: str, roots: frozenset[str]) -> tuple[str, bool]:
    """(stem, whether it is a known root) for a word whose particles were handled."""
    if word in roots:
        return word, True
    # Try both orders (suffix first, prefix first) and prefer a known root.
    base = _strip_suffix(word, _DERIVATIONAL)
    root, _ = _strip_prefix(base, roots)
    prefixed, stripped = _strip_prefix(word, roots)
    confix = _strip_suffix(prefixed, _DERIVATIONAL) if stripped else prefixed
    for candidate in (base, root, prefixed, confix):
        if candidate in roots:
            return candidate, True
    if stripped and word.startswith("ke") and word.endswith("an"):
        return prefixed, False
    return root, False


@lru_cache(maxsize=65536)
def stem(word: str, roots: frozenset[str] = frozenset()) -> str:
    if len(word) <= MIN_STEM or not word.isalpha() or word in roots:
        return word
    word = _strip_suffix(word, _PARTICLES)
    bare = _strip_suffix(word, _POSSESSIVES)
    found, known = _stem_once(bare, roots)
    if known:
        return found
    if bare != word:
        # -nya may belong to the root: bertanya is ber+tanya, not bertan+ya.
        whole, whole_known = _stem_once(word, roots)
        if whole_known:
            return whole
    for suffix in _RARE_POSSESSIVES:
        if bare.endswith(suffix) and len(bare) - len(suffix) >= MIN_STEM:
            owned, owned_known = _stem_once(bare[: -len(suffix)], roots)
            if owned_known:
                return owned
    return found
