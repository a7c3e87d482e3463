"""The CES and NPS questions: wording (Indonesian first), buttons and their ids. Pure.

Button ids are ``ces:1`` .. ``ces:7`` and ``nps:0`` .. ``nps:10``, best answer first. Titles
fit every platform (20 characters). NPS has 11 answers, one more than a WhatsApp list holds:
the WhatsApp renderer sends it as two lists (10..5 and 4..0) under one question, so every
answer stays one tap; typed numbers count too.
"""

from __future__ import annotations

from app.bot.types import Button, Reply

CES, NPS = "ces", "nps"
KINDS = (CES, NPS)
SCALES: dict[str, range] = {CES: range(1, 8), NPS: range(0, 11)}

CES_LABELS: dict[int, dict[str, str]] = {
    7: {"id": "Sangat mudah", "en": "Very easy"},
    6: {"id": "Mudah", "en": "Easy"},
    5: {"id": "Agak mudah", "en": "Fairly easy"},
    4: {"id": "Biasa saja", "en": "Neither"},
    3: {"id": "Agak sulit", "en": "Fairly difficult"},
    2: {"id": "Sulit", "en": "Difficult"},
    1: {"id": "Sangat sulit", "en": "Very difficult"},
}

_TEXTS: dict[str, dict[str, str]] = {
    "ces": {
        "id": (
            "Seberapa mudah urusan Kakak terselesaikan hari ini? Pilih atau balas dengan angka"
            " 1 (sangat sulit) sampai 7 (sangat mudah)."
        ),
        "en": (
            "How easy was it to get your issue solved today? Pick or reply with a number from"
            " 1 (very difficult) to 7 (very easy)."
        ),
    },
    "nps": {
        "id": (
            "Seberapa mungkin Kakak merekomendasikan kami ke teman atau keluarga? Pilih atau"
            " balas dengan angka 0 (tidak mungkin) sampai 10 (sangat mungkin)."
        ),
        "en": (
            "How likely are you to recommend us to a friend or family member? Pick or reply"
            " with a number from 0 (not at all likely) to 10 (extremely likely)."
        ),
    },
    "thanks": {
        "id": "Terima kasih atas jawabannya! 🙏",
        "en": "Thank you for your answer! 🙏",
    },
}


def _text(key: str, lang: str) -> str:
    return _TEXTS[key].get(lang, _TEXTS[key]["id"])


def buttons(kind: str, lang: str) -> tuple[Button, ...]:
    if kind == CES:
        return tuple(
            Button(id=f"ces:{n}", title=f"{n} - {CES_LABELS[n].get(lang, CES_LABELS[n]['id'])}")
            for n in reversed(SCALES[CES])
        )
    return tuple(Button(id=f"nps:{n}", title=str(n)) for n in reversed(SCALES[NPS]))


def question(kind: str, lang: str) -> Reply:
    return Reply(_text(kind, lang), buttons=buttons(kind, lang))


def thanks(lang: str) -> Reply:
    return Reply(_text("thanks", lang))


def answer_of_action(action: str | None) -> tuple[str, int] | None:
    """``("nps", 9)`` for a pressed ``nps:9``; None for anything else."""
    if action is None or ":" not in action:
        return None
    kind, _, value = action.partition(":")
    if kind not in SCALES or not value.isdigit() or int(value) not in SCALES[kind]:
        return None
    return kind, int(value)
