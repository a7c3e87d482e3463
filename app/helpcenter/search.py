"""Help-center search: the bot's own matcher (``KnowledgeBase.search``: slang, typos,
English), so a reader finds what the bot would have answered. ``answer`` means the bot
would answer with the first match: the page shows it as a direct answer card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.helpcenter.activity import Activity, new_search_id
from app.helpcenter.render import snippet
from app.helpcenter.visitors import scrub
from app.kb.service import KnowledgeBase

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
    decision: Literal["answer", "suggest", "none"]
    hits: list[Hit]
    search_id: str | None  # None: nothing was searched (an empty query)


def clean_query(raw: str | None) -> str:
    return " ".join((raw or "").split())[:MAX_QUERY].strip()


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
) -> HelpSearch:
    """Search and, when a visitor is given, record it (in memory: see ``activity``)."""
    query = clean_query(raw)
    if not query:
        return HelpSearch(query="", decision="none", hits=[], search_id=None)
    result = await kb.search(session, query, limit=RESULTS)
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
    decision = result.decision if hits else "none"
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
