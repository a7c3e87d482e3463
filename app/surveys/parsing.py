"""Typed answers to the CES (1-7) and NPS (0-10) questions: pure functions.

Read like CSAT ratings (``app.bot.ratings``): "9", "9/10", "9 dari 10", "nilai 9 kak",
"sembilan", "9 mantap", a keycap emoji ("9️⃣", "🔟"), and for CES the words of a button ("sangat
mudah") or a number out of 7. A number that counts something ("2 hari", "3 pcs") and a
number out of range are not answers; neither is anything else, which the engine then
handles as a new message.
"""

from __future__ import annotations

import re
import unicodedata

from app.bot.intents import fold
from app.surveys.questions import CES, CES_LABELS, SCALES

_WORDS = {
    "nol": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
    "delapan": 8, "sembilan": 9, "sepuluh": 10, "zero": 0, "one": 1, "two": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_LEADS = frozenset(
    "saya aku kasih kasi beri nilai nilainya skor score rating rate angka jawab jawaban i give"
    " my it is a".split()
)
_FILLER = frozenset(
    "kak ka kakak min admin gan sis bro mas mbak ya deh dong sih aja ok oke".split()
)
# What follows a score as praise or thanks ("9 mantap", "10 terima kasih"): still the answer.
_AFTER = frozenset(
    "mantap mantul bagus keren puas top sip good great nice makasih terima kasih thanks thank"
    " you".split()
)
_ANSWER = re.compile(
    r"^(?P<lead>(?:[a-z]+\s*[:=]?\s+)*?)(?P<number>\d{1,2}|[a-z]+)"
    r"(?:\s*(?:/|dari|out\s+of)\s*(?P<scale>\d{1,2}))?(?P<rest>(?:\s+[a-z]+)*)\s*[.!]*$"
)


def _normalise(text: str) -> str:
    text = text.replace("🔟", "10")
    text = unicodedata.normalize("NFKC", text).replace("\ufe0f", "").replace("\u20e3", "")
    return " ".join(text.lower().split())


def _by_label(text: str) -> int | None:
    wanted = " ".join(w for w in fold(text).split() if w not in _FILLER)
    for score, labels in CES_LABELS.items():
        if wanted in {fold(label) for label in labels.values()}:
            return score
        if any(wanted == fold(f"{score} - {label}") for label in labels.values()):
            return score  # the typed button title
    return None


def read_answer(kind: str, text: str) -> int | None:
    """The score in a reply to the ``kind`` question, or None when it is not an answer."""
    normalised = _normalise(text)
    if not normalised:
        return None
    if kind == CES:
        labelled = _by_label(normalised)
        if labelled is not None:
            return labelled
    match = _ANSWER.match(normalised)
    if match is None:
        return None
    lead = match.group("lead").replace(":", " ").replace("=", " ").split()
    rest = match.group("rest").split()
    if any(w not in _LEADS and w not in _FILLER for w in lead) or any(
        w not in _LEADS and w not in _FILLER and w not in _AFTER for w in rest
    ):
        return None
    number = match.group("number")
    value = int(number) if number.isdigit() else _WORDS.get(number)
    if value is None:
        return None
    scale = SCALES[kind]
    if match.group("scale") is not None and int(match.group("scale")) != scale[-1]:
        return None  # "4/5" to an NPS question: a rating of something else
    return value if value in scale else None
