"""Assist: drafts for an agent's reply (``GET /api/v1/handoffs/{id}/assist``) and KB drafts
from knowledge gaps for editors (``/api/v1/kb/drafts``). Nothing here sends anything to a
customer: an agent inserts a draft, edits it and presses send."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.assist.kb_drafts import extractive_drafts, rewritten
from app.assist.metrics import ASSIST_LATENCY, ASSIST_REQUESTS
from app.assist.publish import publish_draft
from app.assist.schemas import AssistOut, KbDraftList
from app.assist.service import Assistant, finish_assist, prepare_assist
from app.auth import AdminDep, current_principal, require_admin
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


@asynccontextmanager
async def _brief_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A read-only session for the database part only. Not SessionDep: it would stay open
    (on SQLite holding the one write lock, which customers' messages wait for) while the
    model writes, up to ROUTER_LLM_TIMEOUT_SECONDS."""
    writer_queue: asyncio.Lock | None = request.app.state.sqlite_writer_queue
    async with writer_queue or contextlib.nullcontext(), request.app.state.sessionmaker() as s:
        yield s


@router.get("/api/v1/handoffs/{handoff_id}/assist")
async def handoff_assist(
    request: Request, handoff_id: PathId, lang: Literal["id", "en"] = "id"
) -> AssistOut:
    started = time.perf_counter()
    kb: KnowledgeBase = request.app.state.kb
    async with _brief_session(request) as session:
        await current_principal(request, session)  # as reading the handoff: every agent
        prepared = await prepare_assist(
            session, _assistant(request), kb, handoff_id=handoff_id, lang=lang
        )
    return await finish_assist(_assistant(request), prepared, started=started)


@router.get("/api/v1/kb/drafts")
async def list_kb_drafts(
    request: Request,
    days: Days = 30,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> KbDraftList:
    started = time.perf_counter()
    async with _brief_session(request) as session:
        await require_admin(request, session)
        items = await extractive_drafts(session, days=days, limit=limit)
    items = await rewritten(_assistant(request), items)
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
