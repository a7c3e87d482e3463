"""Help-center search: the bot's own matcher (``KnowledgeBase.search``: slang, typos,
English), so a reader finds what the bot would have answered. ``answer`` means the bot
would answer with the first match: the page shows it as a direct answer card."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.helpcenter.activity import Activity, new_search_id
from app.helpcenter.render import snippet
from app.helpcenter.visitors import scrub
from app.kb.service import KnowledgeBase

Decision = Literal["answer", "suggest", "none"]
MAX_QUERY = 500  # longer queries are cut, not refused
RESULTS = 8


@dataclass(frozen=True)
class Hit:
    slug: str
    question: str
    url: str
    snippet: str
    answer: str


@dataclass(frozen=True)
class HelpSearch:
    query: str
    decision: Decision
    hits: list[Hit]
    search_id: str | None  # None: nothing was searched (an empty query)


def clean_query(raw: str | None) -> str:
    return " ".join((raw or "").split())[:MAX_QUERY].strip()


class SearchCache:
    """Results by (query, language, base URL, KB version, whether the encoders decide):
    readers ask the same few things again and again, and with the sentence encoder a search
    costs tens of milliseconds of CPU. A KB change or the encoders becoming ready change
    the key, so a stale result is never served."""

    def __init__(self, max_entries: int = 5000) -> None:
        self._entries: OrderedDict[tuple[object, ...], tuple[Decision, list[Hit]]] = OrderedDict()
        self._max = max_entries

    def get(self, key: tuple[object, ...]) -> tuple[Decision, list[Hit]] | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: tuple[object, ...], value: tuple[Decision, list[Hit]]) -> None:
        self._entries[key] = value
        if len(self._entries) > self._max:
            self._entries.popitem(last=False)


async def search(
    kb: KnowledgeBase,
    session: AsyncSession,
    raw: str | None,
    *,
    lang: str,
    base_url: str,
    activity: Activity | None,
    visitor: str | None,
    now: datetime,
    cache: SearchCache | None = None,
) -> HelpSearch:
    """Search and, when a visitor is given, record it (in memory: see ``activity``)."""
    query = clean_query(raw)
    if not query:
        return HelpSearch(query="", decision="none", hits=[], search_id=None)
    key = (query.casefold(), lang, base_url, kb.version, kb.semantic_ready)
    cached = cache.get(key) if cache is not None else None
    decision, hits = cached or await _matches(kb, session, query, lang, base_url)
    if cache is not None and cached is None:
        cache.put(key, (decision, hits))
    return _recorded(query, decision, hits, activity, visitor, now)


async def _matches(
    kb: KnowledgeBase, session: AsyncSession, query: str, lang: str, base_url: str
) -> tuple[Decision, list[Hit]]:
    # Not counted in the bot's decision metrics: a reader's search is not a conversation.
    result = await kb.search(session, query, limit=RESULTS, count=False)
    hits: list[Hit] = []
    for match in result.matches:
        card = kb.card(match.slug)
        if card is None:
            continue
        translated = (card.translations or {}).get(lang) or {}
        answer = translated.get("answer") or card.answer
        hits.append(
            Hit(
                slug=match.slug,
                question=translated.get("question") or match.question,
                url=f"{base_url}/help/a/{match.slug}",
                snippet=snippet(answer),
                answer=answer,
            )
        )
    return (result.decision if hits else "none"), hits


def _recorded(
    query: str,
    decision: Decision,
    hits: list[Hit],
    activity: Activity | None,
    visitor: str | None,
    now: datetime,
) -> HelpSearch:
    if activity is None:
        return HelpSearch(query=query, decision=decision, hits=hits, search_id=None)
    search_id = new_search_id()
    if visitor is not None:
        activity.add(
            "search",
            visitor=visitor,
            at=now,
            search_id=search_id,
            query=scrub(query),
            decision=decision,
        )
    return HelpSearch(query=query, decision=decision, hits=hits, search_id=search_id)
