"""What a learned wording keeps: the customer's words without their personal data.

Phone numbers, e-mail addresses, links and runs of 8 or more digits (account, card, order
numbers) are removed, not masked: the text may become a KB variant, where a placeholder
would be a word every such message shares. ``wording_key`` folds case, punctuation and
spacing, so the same wording merges however it was typed.
"""

from __future__ import annotations

import hashlib
import re

MAX_WORDING = 300  # characters kept: a variant, not a letter

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*", re.IGNORECASE)
# 8 or more digits, allowing the separators people type in phone and card numbers.
_DIGITS = re.compile(r"\+?\d(?:[\s\-.()/]{0,2}\d){7,}")
_SPACES = re.compile(r"\s+")
_FOLD = re.compile(r"[^\w]+", re.UNICODE)


def scrub(text: str) -> str:
    """``text`` without personal data, spaces squeezed, at most ``MAX_WORDING`` characters."""
    for pattern in (_EMAIL, _URL, _DIGITS):
        text = pattern.sub(" ", text)
    text = _SPACES.sub(" ", text).strip(" ,.;:-")
    return text[:MAX_WORDING].strip()


def wording_key(text: str) -> str:
    """The same for wordings that differ only in case, punctuation or spacing."""
    folded = _SPACES.sub(" ", _FOLD.sub(" ", text.casefold())).strip()
    return hashlib.sha256(folded.encode()).hexdigest()
