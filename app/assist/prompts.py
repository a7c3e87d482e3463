"""What the model is asked, and how its answer is checked (pure).

A prompt carries only the sources (KB answers, agents' past replies, scrubbed) and the
customer's messages (scrubbed: no phone numbers, e-mails, links, long numbers or names).
The answer must be the asked JSON object; a draft must cite sources that were given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.assist.llm import MAX_DRAFT, MAX_SUMMARY, ModelFailed, optional_text, text_field
from app.assist.schemas import Source

LANGUAGES = {"id": "Indonesian", "en": "English"}

ASSIST_SYSTEM = (
    "You help a customer-support agent answer a customer. Use ONLY the numbered sources "
    "below: never add facts, prices, links, dates or promises that are not in them. "
    "Write in {language} (the customer's language). Reply with one JSON object and nothing "
    'else: {{"summary": "<one or two sentences: what the customer wants>", "draft": '
    '"<a reply the agent can send, from the sources>" or null when the sources do not '
    'answer the question, "sources": ["<ids of the sources the draft uses>"]}}.'
)

KB_SYSTEM = (
    "You write a help-center article for customers from what support agents replied to a "
    "frequent question. Use ONLY the agents' replies below; keep every fact, drop greetings, "
    "names and anything about one customer's order. Write in {language}. Reply with one JSON "
    'object and nothing else: {{"question": "<the question as a customer would ask it>", '
    '"answer": "<the answer>"}}.'
)


@dataclass(frozen=True)
class Numbered:
    id: str  # "A1", "P2": what the model cites
    source: Source
    text: str


def number_sources(
    articles: Sequence[tuple[Source, str]], past: Sequence[tuple[Source, str]]
) -> list[Numbered]:
    return [
        *(Numbered(f"A{i}", s, t) for i, (s, t) in enumerate(articles, 1)),
        *(Numbered(f"P{i}", s, t) for i, (s, t) in enumerate(past, 1)),
    ]


def assist_messages(
    customer_texts: Sequence[str], sources: Sequence[Numbered], lang: str
) -> list[dict[str, str]]:
    asked = "\n".join(f"- {t}" for t in customer_texts) or "- (nothing yet)"
    listed = "\n\n".join(
        f"[{n.id}] "
        + ("KB article" if n.source.kind == "article" else "An agent's reply to a similar question")
        + f":\n{n.text}"
        for n in sources
    )
    user = f"Customer's messages:\n{asked}\n\nSources:\n{listed or '(none)'}"
    system = ASSIST_SYSTEM.format(language=LANGUAGES.get(lang, LANGUAGES["id"]))
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


@dataclass(frozen=True)
class AssistAnswer:
    summary: str
    draft: str | None
    sources: list[Source]


def parse_assist(value: dict[str, Any], sources: Sequence[Numbered]) -> AssistAnswer:
    """The model's summary and draft, or ModelFailed("malformed") when any part is off:
    a missing summary, a draft without sources, a source id that was not given."""
    summary = text_field(value, "summary", MAX_SUMMARY)
    draft = optional_text(value, "draft", MAX_DRAFT)
    cited = value.get("sources", [])
    if not isinstance(cited, list) or not all(isinstance(c, str) for c in cited):
        raise ModelFailed("malformed", "sources must be a list of ids")
    given = {n.id: n.source for n in sources}
    unknown = [c for c in cited if c not in given]
    if unknown:
        raise ModelFailed("malformed", f"unknown sources {unknown[:3]}")
    if draft is not None and not cited:
        raise ModelFailed("malformed", "a draft must cite its sources")
    return AssistAnswer(summary, draft, [given[c] for c in dict.fromkeys(cited)])


def kb_messages(wordings: Sequence[str], replies: Sequence[str], lang: str) -> list[dict[str, str]]:
    asked = "\n".join(f"- {w}" for w in wordings)
    answered = "\n\n".join(f"[{i}] {r}" for i, r in enumerate(replies, 1))
    system = KB_SYSTEM.format(language=LANGUAGES.get(lang, LANGUAGES["id"]))
    user = f"Customers asked:\n{asked}\n\nAgents replied:\n{answered}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def parse_kb(value: dict[str, Any]) -> tuple[str, str]:
    return text_field(value, "question", 1000), text_field(value, "answer", 10000)
