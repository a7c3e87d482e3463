"""What the help center did for a period (``GET /api/v1/stats/help``).

A *visit* is one visitor's activity on one day (the visitor id changes daily anyway); it
is *contacted* when that visitor opened a chat or pressed escalate or WhatsApp within 24 h
of the visit's first event. ``help_self_service_rate`` = uncontacted visits / visits x 100.
The events of the period (plus 24 h, for contacts after a late visit) are read once and
counted here.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.clustering import cluster_texts
from app.analytics.counting import rate
from app.analytics.periods import Period
from app.analytics.schemas import OutcomeCounts
from app.helpcenter.models import HelpEvent
from app.helpcenter.schemas import ArticleActivity, HelpStats, NoResultGroup, Votes

CONTACT_WINDOW = timedelta(hours=24)
NO_RESULT_GROUPS = 20


@dataclass(frozen=True)
class _Row:
    at: datetime
    day: str
    type: str
    visitor: str
    slug: str | None
    helpful: bool | None
    search_id: str | None
    query: str | None
    decision: str | None


async def _rows(session: AsyncSession, period: Period) -> list[_Row]:
    result = await session.execute(
        select(
            HelpEvent.at,
            HelpEvent.day,
            HelpEvent.type,
            HelpEvent.visitor,
            HelpEvent.slug,
            HelpEvent.helpful,
            HelpEvent.search_id,
            HelpEvent.query,
            HelpEvent.decision,
        ).where(HelpEvent.at >= period.start_at, HelpEvent.at < period.end_at + CONTACT_WINDOW)
    )
    return [_Row(*row) for row in result]


def _contacted(contacts: list[datetime], start: datetime) -> bool:
    return any(start <= at < start + CONTACT_WINDOW for at in contacts)


def _contacts(rows: list[_Row]) -> dict[str, list[datetime]]:
    """When each visitor contacted the team (chat opened, escalate or WhatsApp pressed)."""
    contacts: dict[str, list[datetime]] = defaultdict(list)
    for row in rows:
        if row.type == "contact":
            contacts[row.visitor].append(row.at)
    return contacts


def _visits(
    rows: list[_Row], period: Period, contacts: dict[str, list[datetime]]
) -> tuple[int, int]:
    """(visits, contacted visits) of the period."""
    first: dict[tuple[str, str], datetime] = {}
    for row in rows:
        if row.at < period.end_at:
            key = (row.visitor, row.day)
            first[key] = min(first.get(key, row.at), row.at)
    contacted = sum(1 for (visitor, _), at in first.items() if _contacted(contacts[visitor], at))
    return len(first), contacted


async def help_stats(session: AsyncSession, *, period: Period) -> HelpStats:
    every = await _rows(session, period)
    rows = [r for r in every if r.at < period.end_at]
    contacts = _contacts(every)
    visits, contacted = _visits(every, period, contacts)
    searches = {r.search_id: r for r in rows if r.type == "search" and r.search_id}
    clicked = {r.search_id for r in rows if r.type == "search_click" and r.search_id in searches}
    per_article: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    readers: dict[str, set[str]] = defaultdict(set)
    helpful = not_helpful = views = 0
    for row in rows:
        if row.slug is None:
            continue
        counts = per_article[row.slug]
        if row.type == "view":
            views += 1
            counts["views"] += 1
            if _contacted(contacts[row.visitor], row.at):
                readers[row.slug].add(row.visitor)
        elif row.type == "vote":
            key = "helpful" if row.helpful else "not_helpful"
            counts[key] += 1
            helpful, not_helpful = helpful + bool(row.helpful), not_helpful + (not row.helpful)
    unanswered = [r.query for r in searches.values() if r.decision == "none" and r.query]
    groups = await asyncio.to_thread(cluster_texts, unanswered) if unanswered else []
    articles = [
        ArticleActivity(
            slug=slug,
            views=counts["views"],
            helpful=counts["helpful"],
            not_helpful=counts["not_helpful"],
            contacted_after=len(readers[slug]),
        )
        for slug, counts in per_article.items()
    ]
    articles.sort(key=lambda a: (-a.views, a.slug))
    return HelpStats(
        visits=visits,
        visits_contacted=contacted,
        help_self_service_rate=rate(visits - contacted, visits),
        views=views,
        searches=len(searches),
        searches_no_result=sum(1 for r in searches.values() if r.decision == "none"),
        search_click_through=rate(len(clicked), len(searches)),
        votes=Votes(helpful=helpful, not_helpful=not_helpful),
        articles=articles,
        no_result=[
            NoResultGroup(example=g.example, count=g.count, examples=g.examples())
            for g in groups[:NO_RESULT_GROUPS]
        ],
    )


async def uncontacted_visits(session: AsyncSession, *, period: Period) -> int:
    """Support needs the help center met alone: its visits without a contact."""
    rows = await _rows(session, period)
    visits, contacted = _visits(rows, period, _contacts(rows))
    return visits - contacted


async def overall_self_service_rate(
    session: AsyncSession, counts: OutcomeCounts, period: Period
) -> float | None:
    """(deflected + uncontacted visits) / (deflected + escalated + unresolved + uncontacted
    visits) x 100: every support need once, solved in the help center or a conversation."""
    alone = await uncontacted_visits(session, period=period)
    needs = counts.deflected + counts.escalated + counts.unresolved + alone
    return rate(counts.deflected + alone, needs)
