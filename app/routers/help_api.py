"""The help center's public API (search, activity events) and its statistics (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from app.auth import SupervisorDep
from app.db import SessionDep, utcnow
from app.errors import ValidationFailed
from app.helpcenter.schemas import (
    Accepted,
    EventIn,
    HelpSearchOut,
    HelpStats,
    SearchMatch,
)
from app.helpcenter.search import search
from app.helpcenter.stats import help_stats
from app.helpcenter.texts import requested_language
from app.json_body import JSONRoute
from app.routers.help_pages import help_center_of, reading, site_of
from app.routers.stats import PeriodDep

router = APIRouter(prefix="/api/v1", tags=["help"], route_class=JSONRoute)


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


@router.get("/help/search")
async def help_search(
    request: Request,
    q: str = "",
    lang: str | None = None,
    suggest: bool = False,
) -> HelpSearchOut:
    """The help center's search, as the page and the widget use it; a query over 500
    characters is cut. An empty one finds nothing (and has no ``search_id``).
    ``suggest=true``: suggestions while typing, not counted as searches."""
    help, now = help_center_of(request), utcnow()
    visitor = help.visitor(
        at=now,
        client_id=request.query_params.get("visitor"),
        ip=_client(request),
        user_agent=request.headers.get("user-agent"),
    )
    async with reading(request) as session:
        found = await search(
            request.app.state.kb,
            session,
            q,
            lang=requested_language(lang, request.headers.get("accept-language")),
            base_url=site_of(request).base_url,
            activity=None if suggest else help.activity,
            visitor=visitor,
            now=now,
            cache=help.searches,
        )
    return HelpSearchOut(
        decision=found.decision,
        matches=[
            SearchMatch(slug=h.slug, question=h.question, url=h.url, snippet=h.snippet)
            for h in found.hits
        ],
        search_id=found.search_id,
    )


def _check(event: EventIn, request: Request) -> None:
    """422 for what cannot be counted: an article the help center does not show, a vote
    without its answer, a click without its search."""
    needs_slug = event.type in ("view", "vote", "search_click")
    if needs_slug and event.slug is None:
        raise ValidationFailed(f"a {event.type} event needs `slug`", code="invalid_event")
    if event.slug is not None and request.app.state.kb.card(event.slug) is None:
        raise ValidationFailed(f"no published article {event.slug!r}", code="unknown_article")
    if event.type == "vote" and event.helpful is None:
        raise ValidationFailed("a vote needs `helpful` (true or false)", code="invalid_event")
    if event.type == "search_click" and event.search_id is None:
        raise ValidationFailed("a search_click needs `search_id`", code="invalid_event")


@router.post("/help/events", status_code=status.HTTP_202_ACCEPTED)
async def help_event(event: EventIn, request: Request) -> Accepted:
    """Recorded in memory and written in batches (app.helpcenter.activity): no database
    work in this request. Rate-limited per client address."""
    help, now = help_center_of(request), utcnow()
    await help.limiter.check(_client(request))
    _check(event, request)
    visitor = help.visitor(
        at=now,
        client_id=event.visitor,
        ip=_client(request),
        user_agent=request.headers.get("user-agent"),
    )
    if visitor is None:
        return Accepted(counted=False)
    help.activity.add(
        event.type,
        visitor=visitor,
        at=now,
        slug=event.slug,
        helpful=event.helpful,
        search_id=event.search_id,
    )
    return Accepted(counted=True)


@router.get("/stats/help")
async def get_help_stats(
    session: SessionDep, _reader: SupervisorDep, period: PeriodDep
) -> HelpStats:
    return await help_stats(session, period=period)
