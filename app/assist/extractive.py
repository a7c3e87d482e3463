"""The extractive layer (pure): a handoff's summary in the customer's own words and the
drafts an agent can insert, from the KB's answers and agents' past replies. It needs no
model and always works; the model layer (``app.assist.llm``) starts from the same sources.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from app.analytics.clustering import fold_text
from app.assist.past import Similar
from app.assist.schemas import Draft, Source
from app.assist.scrub import scrub
from app.escalation.schemas import Suggestion

SUMMARY_QUOTE = 300  # characters of the customer's words quoted
SAME_REPLY = 90.0  # a past reply this close to a KB answer is that answer (pasted, edited)

LABELS = {
    "id": {
        "asked": "Pelanggan: {quote}",
        "served": "Bot sudah menjawab dengan artikel: {list}.",
        "offered": "Bot sudah menawarkan: {list}.",
        "nothing": "Bot belum menjawab dari KB.",
        "silent": "Pelanggan belum menulis pertanyaan.",
    },
    "en": {
        "asked": "Customer: {quote}",
        "served": "The bot already answered with: {list}.",
        "offered": "The bot already offered: {list}.",
        "nothing": "The bot has not answered from the KB.",
        "silent": "The customer has not written a question yet.",
    },
}


@dataclass(frozen=True)
class BotActivity:
    served: list[str]  # the questions (or slugs) of the articles the bot answered with
    offered: list[str]  # the titles of the articles it offered as buttons


def summary(customer_texts: Sequence[str], bot: BotActivity, lang: str = "id") -> str:
    """What the customer wants, in their words, and what the bot already tried."""
    labels = LABELS.get(lang, LABELS["id"])
    quote = " / ".join(" ".join(t.split()) for t in customer_texts)
    if len(quote) > SUMMARY_QUOTE:
        quote = quote[: SUMMARY_QUOTE - 1].rstrip() + "…"
    parts = [labels["asked"].format(quote=f"“{quote}”") if quote else labels["silent"]]
    if bot.served:
        parts.append(labels["served"].format(list="; ".join(dict.fromkeys(bot.served))))
    if bot.offered:
        parts.append(labels["offered"].format(list="; ".join(dict.fromkeys(bot.offered))))
    if not bot.served and not bot.offered:
        parts.append(labels["nothing"])
    return " ".join(parts)


def article_text(suggestion: Suggestion) -> str:
    return suggestion.answer + (f"\n{suggestion.url}" if suggestion.url else "")


def past_text(similar: Similar) -> str:
    """A past reply with the past customer's personal data removed."""
    return scrub(similar.case.reply, [similar.case.customer_name])


def drafts(articles: Sequence[Suggestion], past: Sequence[Similar]) -> list[Draft]:
    """KB answers first (reviewed text), then past replies; a past reply that is a KB answer
    (the agent pasted it) becomes a second source of that draft instead of a copy."""
    out = [
        Draft(text=article_text(a), sources=[Source(kind="article", slug=a.slug)]) for a in articles
    ]
    answers = [fold_text(a.answer) for a in articles]
    for similar in past:
        text = past_text(similar)
        source = Source(kind="past_reply", handoff_id=similar.case.handoff_id)
        folded = fold_text(text)
        same = next((i for i, a in enumerate(answers) if fuzz.ratio(folded, a) >= SAME_REPLY), None)
        if same is not None:
            out[same].sources.append(source)
        elif not any(fold_text(d.text) == folded for d in out):
            out.append(Draft(text=text, sources=[source]))
    return out
