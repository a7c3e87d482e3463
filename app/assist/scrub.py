"""Removing personal data from text that is shown to another customer's agent, sent to a
model, or proposed as a KB article: phone numbers, e-mail addresses, URLs, runs of 8 or more
digits (account, order and card numbers) and the customer's own name. Pure functions.

Each removed piece becomes a placeholder an agent recognises and fills in ("[nomor]"), so a
draft still reads as a sentence and nobody's details travel to the next customer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# +62 812-3456-7890, 0812 3456 7890, (021) 555 1234: a leading + or 0 and 9 or more digits
# with separators; a bare run of 8 or more digits is caught by LONG_NUMBER.
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?|0)(?:\(?\d{1,4}\)?[\s.-]?){2,5}\d{2,4}(?!\w)")
# Groups of 3+ digits joined by a space or hyphen (card and account numbers), not dates
# (2024-05-12) or prices (15.000.000).
LONG_NUMBER = re.compile(r"\d{3,}(?:[ -]?\d{3,})+")
MIN_NAME = 3  # shorter "names" (initials, "Bu") would blank ordinary words

PLACEHOLDERS = {"email": "[email]", "url": "[tautan]", "phone": "[nomor]", "number": "[nomor]"}


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def scrub(text: str, names: Iterable[str | None] = ()) -> str:
    """``text`` with personal data replaced by placeholders. ``names``: display names of the
    people in the conversation (each word of 3+ letters is removed, case-insensitively)."""
    out = EMAIL.sub(PLACEHOLDERS["email"], text)
    out = URL.sub(PLACEHOLDERS["url"], out)
    out = PHONE.sub(lambda m: PLACEHOLDERS["phone"] if _digits(m[0]) >= 9 else m[0], out)
    out = LONG_NUMBER.sub(lambda m: PLACEHOLDERS["number"] if _digits(m[0]) >= 8 else m[0], out)
    for word in {w for name in names if name for w in re.findall(r"\w+", name)}:
        if len(word) >= MIN_NAME and not word.isdigit():
            out = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", "[nama]", out, flags=re.IGNORECASE)
    return out


def has_personal_data(text: str, names: Iterable[str | None] = ()) -> bool:
    """True when ``scrub`` would change ``text``."""
    return scrub(text, names) != text
