"""What a customer message is, before the knowledge base is asked: pure functions, no I/O.

The lexicons are general Indonesian/English chat vocabulary (greetings, thanks, asking for a
person, anger); they are deliberately small and readable so support staff can extend them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

_REPEATS = re.compile(r"(.)\1{2,}")
_NON_WORD = re.compile(r"[^\w\s]|_")


class Intent(StrEnum):
    greeting = "greeting"
    thanks = "thanks"
    human_request = "human_request"
    frustration = "frustration"
    yes = "yes"
    no = "no"
    question = "question"
    empty = "empty"


def fold(text: str) -> str:
    """Lowercase, strip accents and emoji/punctuation, squeeze letters repeated 3+ times."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _REPEATS.sub(r"\1", text)
    text = _NON_WORD.sub(" ", text)
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    return fold(text).split()


# Words that address the agent or soften the message; they carry no request.
_FILLER = frozenset(
    "kak ka kakak min mimin admin gan agan sis bro mas mbak mba bang bu pak om ya yah ok oke okay"
    " deh dong sih nih kok lah aja saja ni tu".split()
)
_GREETING = frozenset(
    "halo hallo hello helo hai hay hi hii hey hei pagi siang sore malam selamat met"
    " assalamualaikum assalamu alaikum salam permisi good morning afternoon evening p ping"
    " shalom punten".split()
)
_THANKS = frozenset(
    "makasih makasi makasii trims trimakasih terimakasih terima kasih thanks thank thx tq tqu"
    " tks ty you much banyak sangat suwun nuhun".split()
)
_YES = frozenset(
    "ya iya iyaa yes yup yep ok oke sip siap sudah udah udh sdh terjawab jelas membantu"
    " helpful answered mengerti paham ngerti".split()
)
_NO = frozenset(
    "tidak gak ga nggak ngga enggak engga tdk gk no nope belum blm kurang not unhelpful".split()
)
_HUMAN_TARGETS = frozenset(
    "cs admin agen agent operator manusia petugas human representative staff"
    " staf karyawan customer service pegawai".split()
)
# Words that name a person only in context: "untuk 3 orang" is a head count, "sama orang"
# asks for one. They count when a verb or "sama/dengan/to" comes just before.
_PERSON_WORDS = frozenset("orang person someone somebody".split())
_PERSON_LEADS = frozenset("sama dengan ama ma ke to with a an some".split())
_PERSON_REACH = 3  # words between the verb and the person word, "talk to a real person"
_HUMAN_VERBS = frozenset(
    "bicara ngomong ngobrol chat hubungi hubungkan sambungkan sambungin disambungkan"
    " dihubungkan connect talk speak minta mau pengen pgn ingin butuh need want panggil"
    " transfer alihkan oper".split()
)
_HUMAN_PHRASES = (
    "customer service",
    "live agent",
    "real person",
    "orang asli",
    "manusia asli",
    "bukan bot",
    "not a bot",
    "human agent",
)
_ABUSE = frozenset(
    "anjir anjg bangsat goblok goblog bodoh tolol bego kampret sialan brengsek bajingan"
    " taik idiot stupid useless fuck fucking shit damn crap bullshit kontol jancok"
    " jancuk".split()
)
# Animals and a plain word first ("bawa anjing ke groomer", "makanan babi"): insults only
# when aimed ("dasar anjing", "anjing lu") or shouted alone.
_AMBIGUOUS_ABUSE = frozenset("anjing babi asu tai".split())
_AIMED = frozenset("dasar lu lo loe elu kau kamu kalian lah emang bot admin".split())
_FRUSTRATION_PHRASES = (
    "gak guna",
    "ga guna",
    "nggak guna",
    "tidak guna",
    "tidak berguna",
    "gak berguna",
    "ga berguna",
    "gak becus",
    "ga becus",
    "tidak becus",
    "kecewa banget",
    "sangat kecewa",
    "kecewa berat",
    "nyebelin",
    "payah banget",
    "parah banget",
    "muter muter",
    "bot bodoh",
    "waste of time",
    "so annoying",
    "very disappointed",
    "not helpful at all",
)

_EN_MARKERS = frozenset(
    "the is are my how what where when why can could would do does did i you your to for"
    " with please not is it this that have has of an".split()
)
_ID_MARKERS = frozenset(
    "saya aku gue gw gimana bagaimana gmn apa apakah bisa tidak gak ga yang dan di ke dari"
    " kak min sudah udah belum mau cara kenapa kapan berapa dong nya ini itu tolong".split()
)


@dataclass(frozen=True)
class Understanding:
    intent: Intent
    language: str | None  # "id", "en", or None when the message gives no signal


def detect_language(words: list[str]) -> str | None:
    english = sum(w in _EN_MARKERS for w in words)
    indonesian = sum(w in _ID_MARKERS for w in words)
    if english > indonesian:
        return "en"
    if indonesian > english:
        return "id"
    return None


def _only(words: list[str], vocabulary: frozenset[str]) -> bool:
    content = [w for w in words if w not in _FILLER or w in vocabulary]
    return bool(content) and all(w in vocabulary for w in content)


def _asks_for_human(folded: str, words: list[str]) -> bool:
    if any(phrase in folded for phrase in _HUMAN_PHRASES):
        return True
    if not any(w in _HUMAN_VERBS for w in words):
        return False
    if any(w in _HUMAN_TARGETS for w in words):
        return True
    for i, word in enumerate(words):
        if word in _PERSON_WORDS:
            before = words[max(0, i - _PERSON_REACH - 1) : i]
            if any(w in _HUMAN_VERBS for w in before) and any(
                w in _PERSON_LEADS or w in _HUMAN_VERBS for w in before[-2:]
            ):
                return True
    return False


def _aimed_abuse(words: list[str]) -> bool:
    """An ambiguous insult word used as one: next to an addressee, or all but alone."""
    content = [w for w in words if w not in _FILLER]
    for i, word in enumerate(words):
        if word in _AMBIGUOUS_ABUSE:
            neighbours = words[max(0, i - 1) : i] + words[i + 1 : i + 2]
            if len(content) <= 2 or any(w in _AIMED for w in neighbours):
                return True
    return False


def _is_frustrated(raw: str, folded: str, words: list[str]) -> bool:
    if any(w in _ABUSE for w in words) or any(p in folded for p in _FRUSTRATION_PHRASES):
        return True
    if _aimed_abuse(words):
        return True
    letters = [ch for ch in raw if ch.isalpha()]
    shouting = len(letters) >= 12 and sum(ch.isupper() for ch in letters) / len(letters) > 0.8
    return shouting and raw.count("!") >= 2


def understand(text: str) -> Understanding:
    """Classify a message; anything that is not small talk is a question for the KB."""
    folded = fold(text)
    words = folded.split()
    language = detect_language(words)
    if not words:
        return Understanding(Intent.empty, language)
    if _is_frustrated(text, folded, words):
        return Understanding(Intent.frustration, language)
    if _asks_for_human(folded, words):
        return Understanding(Intent.human_request, language)
    if _only(words, _GREETING):
        return Understanding(Intent.greeting, language)
    if _only(words, _THANKS):
        return Understanding(Intent.thanks, language)
    if _only(words, _YES | _THANKS):
        return Understanding(Intent.yes, language)
    if _only(words, _NO | frozenset({"membantu", "helpful", "terjawab", "jelas", "ngerti"})):
        return Understanding(Intent.no, language)
    return Understanding(Intent.question, language)
