"""Assist: drafts for an agent's reply (``GET /api/v1/handoffs/{id}/assist``) and KB drafts
from knowledge gaps for editors (``/api/v1/kb/drafts``). Nothing here sends anything to a
customer: an agent inserts a draft, edits it and presses send."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from app.assist.kb_drafts import kb_drafts
from app.assist.metrics import ASSIST_LATENCY, ASSIST_REQUESTS
from app.assist.publish import publish_draft
from app.assist.schemas import AssistOut, KbDraftList
from app.assist.service import Assistant, assist_handoff
from app.auth import AdminDep, PrincipalDep
from app.db import SessionDep
from app.json_body import JSONRoute
from app.kb.schemas import ArticleIn, ArticleOut
from app.kb.service import KnowledgeBase
from app.security_params import PathId

router = APIRouter(tags=["assist"], route_class=JSONRoute)

Days = Annotated[int, Query(ge=1, le=365, description="knowledge gaps of the last N days")]
DraftId = Annotated[str, Path(min_length=1, max_length=64)]


def _assistant(request: Request) -> Assistant:
    assistant: Assistant = request.app.state.assist
    return assistant


@router.get("/api/v1/handoffs/{handoff_id}/assist")
async def handoff_assist(
    request: Request,
    handoff_id: PathId,
    _principal: PrincipalDep,  # as reading the handoff: every active agent
    session: SessionDep,
    lang: Literal["id", "en"] = "id",
) -> AssistOut:
    kb: KnowledgeBase = request.app.state.kb
    return await assist_handoff(session, _assistant(request), kb, handoff_id=handoff_id, lang=lang)


@router.get("/api/v1/kb/drafts")
async def list_kb_drafts(
    request: Request,
    session: SessionDep,
    _: AdminDep,
    days: Days = 30,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> KbDraftList:
    started = time.perf_counter()
    items = await kb_drafts(session, _assistant(request), days=days, limit=limit)
    by = "llm" if any(i.generated_by == "llm" for i in items) else "extractive"
    ASSIST_REQUESTS.labels("kb_drafts", by).inc()
    ASSIST_LATENCY.labels("kb_drafts").observe(time.perf_counter() - started)
    return KbDraftList(items=items)


@router.post("/api/v1/kb/drafts/{draft_id}/publish", status_code=201)
async def publish(
    request: Request,
    draft_id: DraftId,
    article: ArticleIn,
    session: SessionDep,
    principal: AdminDep,
    days: Days = 30,
) -> ArticleOut:
    created = await publish_draft(
        session,
        draft_id=draft_id,
        article=article,
        days=days,
        max_articles=request.app.state.settings.kb_max_articles,
        principal=principal,
    )
    kb: KnowledgeBase = request.app.state.kb
    await kb.refresh(session)
    return ArticleOut.model_validate(created)
