"""The agent workspace: its page (``GET /agent``) and the reads it needs besides the queue API:
who the token is, a handoff's new transcript items (long-poll), KB suggestions.

Every active agent may read any handoff; acting on one (``app.routers.handoffs``) stays with the
claim holder or an admin.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.auth import PrincipalDep
from app.db import SessionDep
from app.errors import ValidationFailed
from app.escalation.schemas import Me, SuggestionList, TranscriptPage
from app.escalation.suggestions import latest_customer_texts, suggest
from app.escalation.transcripts import (
    handoff_conversation_id,
    wait_for_messages,
    with_article_links,
)
from app.json_body import JSONRoute
from app.kb.service import KnowledgeBase
from app.routers.dashboard import SECURITY_HEADERS as DASHBOARD_HEADERS
from app.routers.handoffs import _authenticate_briefly
from app.routers.static_files import asset_response, page_response
from app.security_params import PathId

router = APIRouter(tags=["agent workspace"], route_class=JSONRoute)
page_router = APIRouter(tags=["agent workspace"], include_in_schema=False, route_class=JSONRoute)

PAGE_LIMIT = 200
# The dashboard's policy, plus blob: for the media the page fetches with the token.
SECURITY_HEADERS = {
    **DASHBOARD_HEADERS,
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data: blob:; media-src blob:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
}
STATIC = files("app.escalation") / "static"
ASSETS = {
    "agent.css": "text/css; charset=utf-8",
    "agent-team.css": "text/css; charset=utf-8",
    "assist.css": "text/css; charset=utf-8",
    **{
        f"{name}.js": "text/javascript; charset=utf-8"
        for name in (
            "i18n",
            "api",
            "alerts",
            "transcript",
            "suggestions",
            "assist",
            "conversation",
            "queue",
            "agent",
            "agent-team",
            "agent-tools",
            "agent-sla",
        )
    },
    "agent-article.js": "text/javascript; charset=utf-8",  # issue 30
}


@router.get("/api/v1/agents/me")
async def me(principal: PrincipalDep) -> Me:
    return Me(
        kind=principal.kind, id=principal.agent_id, name=principal.agent_name, role=principal.role
    )


@router.get("/api/v1/handoffs/{handoff_id}/messages")
async def new_messages(
    request: Request,
    handoff_id: PathId,
    # 18 digits: a larger cursor would overflow the BIGINT id comparison.
    after: Annotated[str, Query(max_length=18, pattern=r"^\d*$")] = "",
    wait: Annotated[float, Query(ge=0, description="long-poll seconds (capped)")] = 0,
) -> TranscriptPage:
    principal = await _authenticate_briefly(request)
    async with request.app.state.sessionmaker() as session:
        conversation_id = await handoff_conversation_id(session, handoff_id)
    after_id = int(after) if after else 0
    settings = request.app.state.settings
    items = await wait_for_messages(
        request.app.state.sessionmaker,
        conversation_id=conversation_id,
        after=after_id,
        limit=PAGE_LIMIT,
        wait_seconds=min(wait, settings.handoff_max_wait_seconds),
        principal=principal,
        gone=request.is_disconnected,
    )
    with_article_links(request.app.state.kb, items)
    return TranscriptPage(messages=items, cursor=str(items[-1].id if items else after_id))


@router.get("/api/v1/handoffs/{handoff_id}/suggestions")
async def suggestions(
    request: Request,
    handoff_id: PathId,
    _principal: PrincipalDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=10)] = 3,
    q: Annotated[str | None, Query(max_length=4096, description="search this instead")] = None,
) -> SuggestionList:
    conversation_id = await handoff_conversation_id(session, handoff_id)
    if q is not None:
        if not q.strip():
            raise ValidationFailed("q must not be blank")
        texts = [q]
    else:
        texts = await latest_customer_texts(session, conversation_id)
    kb: KnowledgeBase = request.app.state.kb
    return SuggestionList(items=await suggest(session, kb, texts=texts, limit=limit))


@page_router.get("/agent")
async def agent_page() -> Response:
    return page_response(STATIC, "agent.html", SECURITY_HEADERS)


@page_router.get("/agent/assets/{name}")
async def agent_asset(name: str) -> Response:
    return asset_response(STATIC, ASSETS, name, SECURITY_HEADERS, page="agent page")
