"""Reading a customer's answer to "how satisfied are you?": pure functions, no I/O.

People answer in many ways: "5", "5 kak mantap", "4/5", "⭐⭐⭐⭐", "bintang 4", "empat",
"nilai 3", "4️⃣", "10/10", or the words of a button ("sangat puas"). A number that measures
something else ("4 hari belum sampai", "2 pcs") is not a rating. Anything beyond the rating
itself ("mantap, cepat") is kept as the customer's comment.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.bot.intents import Intent, fold, understand
from app.bot.types import Button

CSAT_PREFIX = "csat:"
SCORES = (5, 4, 3, 2, 1)

# Button titles fit every platform (20 characters: Messenger, WhatsApp list rows allow 24).
_LABELS: dict[int, dict[str, str]] = {
    5: {"id": "Sangat puas", "en": "Very satisfied"},
    4: {"id": "Puas", "en": "Satisfied"},
    3: {"id": "Biasa saja", "en": "Neutral"},
    2: {"id": "Kurang puas", "en": "Not satisfied"},
    1: {"id": "Tidak puas", "en": "Very unsatisfied"},
}
_NUMBER_WORDS = {
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
}  # fmt: skip
_STARS = "⭐★🌟"
# Words that introduce a rating: "saya kasih bintang 4", "nilai: 3", "rating 5".
_LEADS = frozenset(
    "saya aku gue gw sy kasih kasi ngasih beri kuberi memberi nilai nilainya rating rate"
    " ratingnya skor score bintang bintangnya star stars buat untuk utk i give my it a".split()
)
# Softeners that carry nothing: "5 kak" has no comment.
_FILLER = frozenset(
    "kak ka kakak min mimin admin gan sis bro mas mbak mba bang bu pak ya yah deh dong sih nih"
    " aja saja ok oke".split()
)
# A number followed by one of these counts something: "4 hari belum sampai", "2 pcs".
_UNITS = frozenset(
    "hari jam menit detik minggu bulan tahun kali x pcs biji buah item barang orang ribu rb k"
    " jt juta kg gr gram ml lembar pasang unit paket pesanan order lagi more day days hour"
    " hours minute minutes week weeks times items persen".split()
)
_SCALE = r"(?:\s*(?:/|dari|out\s+of)\s*(?P<scale>5|10)\b)?"
_SUFFIX = r"(?:\s*(?P<suffix>bintang|stars?|[" + _STARS + r"]+))?"
_NUMBER = r"(?P<number>\d+(?:[.,]\d+)?|(?:" + "|".join(_NUMBER_WORDS) + r")\b)"
# Each lead word ends at a separator, and there are few of them: no backtracking blow-up on
# a long question.
_LEAD_WORD = r"(?:[a-z]+(?:\s*[:=]\s*|\s+)|[" + _STARS + r"]+\s*)"
_RATING = re.compile(
    r"^(?P<lead>" + _LEAD_WORD + r"{0,6}?)" + _NUMBER + _SCALE + _SUFFIX + r"(?P<rest>.*)$",
    re.DOTALL,
)


@dataclass(frozen=True)
class Rating:
    score: int
    comment: str | None  # what the customer wrote besides the rating, if anything


def rating_buttons(lang: str) -> tuple[Button, ...]:
    """The answers to the rating question, best first (buttons, list rows, quick replies)."""
    return tuple(
        Button(id=f"{CSAT_PREFIX}{score}", title=f"{score} - {label(score, lang)}")
        for score in SCORES
    )


def label(score: int, lang: str) -> str:
    return _LABELS[score].get(lang, _LABELS[score]["id"])


def score_of_action(action: str | None) -> int | None:
    """The score of a pressed rating button (``csat:1`` .. ``csat:5``), else None."""
    if action is None or not action.startswith(CSAT_PREFIX):
        return None
    value = action.removeprefix(CSAT_PREFIX)
    return int(value) if value in {"1", "2", "3", "4", "5"} else None


def _normalise(text: str) -> str:
    # Keycaps ("4️⃣") and emoji variation selectors; full-width digits become ASCII.
    text = unicodedata.normalize("NFKC", text).replace("\ufe0f", "").replace("\u20e3", "")
    return " ".join(text.lower().split())


def _comment(rest: str) -> str | None:
    cleaned = rest.strip(" \t\n,.;:-!–—")
    words = fold(cleaned).split()
    if not any(w not in _FILLER for w in words):
        return None
    return cleaned


def _content(text: str) -> str:
    return " ".join(w for w in fold(text).split() if w not in _FILLER)


def _by_label(text: str) -> Rating | None:
    wanted = _content(text)
    for score, labels in _LABELS.items():
        if wanted and wanted in {_content(v) for v in labels.values()}:
            return Rating(score, None)
    return None


def _by_stars(text: str) -> Rating | None:
    stars = sum(text.count(star) for star in _STARS)
    if not stars or any(ch.isdigit() for ch in text):
        return None
    rest = "".join(ch for ch in text if ch not in _STARS)
    return Rating(min(stars, 5), _comment(rest))


def read_rating(text: str) -> Rating | None:
    """The rating in a customer's reply, or None when it is not one."""
    normalised = _normalise(text)
    if not normalised:
        return None
    found = _by_label(normalised) or _by_stars(normalised)
    if found is not None:
        return found
    match = _RATING.match(normalised)
    if match is None:
        return None
    lead = match.group("lead").replace(":", " ").replace("=", " ")
    lead_words = "".join(ch for ch in lead if ch not in _STARS).split()
    if any(w not in _LEADS and w not in _FILLER for w in lead_words):
        return None
    number, scale, rest = match.group("number"), match.group("scale"), match.group("rest")
    marked = bool(scale or match.group("suffix") or any(w in _LEADS for w in lead_words))
    if not number.isdigit() and number not in _NUMBER_WORDS:
        return None  # a decimal: "4.5", "2,5"
    value = int(number) if number.isdigit() else _NUMBER_WORDS[number]
    # "satu lagi ..." is not a rating: a bare number word must stand alone.
    if number.isalpha() and not marked and _comment(rest) is not None:
        return None
    if rest[:1].isalnum() and not number.isalpha():  # "45", "4a"
        return None
    next_word = fold(rest).split()[:1]
    if next_word and (next_word[0] in _UNITS or next_word[0].isdigit()):
        return None
    if scale == "10":
        if not 1 <= value <= 10:
            return None
        value = (value + 1) // 2
    elif not 1 <= value <= 5:
        return None
    comment = _comment(rest)
    if comment is not None and _by_label(comment) is not None:
        comment = None  # the typed button title: "5 - Sangat puas"
    return Rating(value, comment)


def parse_rating(text: str) -> int | None:
    rating = read_rating(text)
    return rating.score if rating else None


def is_closing_remark(text: str) -> bool:
    """Thanks, praise, greetings or an emoji after the conversation ended ("great thanks!",
    "mantap 👍"): no new request (a greeting may start one), so the rating question stays open."""
    words = [w for w in fold(text).split() if w not in _PRAISE and w not in _FILLER]
    intent = understand(" ".join(words)).intent
    return intent in (Intent.thanks, Intent.yes, Intent.empty)


_PRAISE = frozenset(
    "great good nice awesome perfect cool super amazing excellent wonderful fantastic helpful"
    " mantap mantab mantul keren bagus top joss jos josss oke ok sip sipp siip makasih mksh"
    " membantu cepat ramah puas lot job well done".split()
)
