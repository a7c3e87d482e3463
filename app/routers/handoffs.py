"""Agent tools: the handoff queue (long-poll), transcript, claim, reply, release, resolve."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request

from app.auth import Principal, PrincipalDep, current_principal
from app.db import SessionDep, utcnow
from app.errors import ValidationFailed
from app.escalation.actions import (
    claim_handoff,
    post_agent_reply,
    release_handoff,
    resolve_handoff,
)
from app.escalation.longpoll import wait_for_handoffs
from app.escalation.queue import handoff_detail
from app.escalation.schemas import AgentReplyIn, AgentReplyOut, HandoffDetail, HandoffList
from app.escalation.transcripts import with_article_links
from app.json_body import JSONRoute
from app.learning.schemas import ResolveIn
from app.learning.service import learn_from_handoff, require_article
from app.security_params import PathId
from app.teams.views import TeamQuery, queue_view
from app.types import Channel, HandoffStatus
from app.wakeups import OUTBOX_WORKER
from app.workers import wake

router = APIRouter(prefix="/api/v1/handoffs", tags=["handoffs"], route_class=JSONRoute)


async def _authenticate_briefly(request: Request) -> Principal:
    # Not PrincipalDep: its session would stay open (holding a connection, and on SQLite the
    # write lock) for the whole long-poll.
    async with request.app.state.sessionmaker() as session:
        return await current_principal(request, session)


@router.get("")
async def list_queue(
    request: Request,
    status: HandoffStatus = HandoffStatus.waiting,
    channel: Channel | None = None,
    wait: Annotated[float, Query(ge=0, description="long-poll seconds (capped)")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    known: Annotated[
        str | None,
        Query(
            max_length=2000,
            pattern=r"^(\d{1,18}(,\d{1,18})*)?$",
            description="ids the caller shows: wait until the list differs from them",
        ),
    ] = None,
    team: TeamQuery = None,
    mine: Annotated[bool, Query(description="only the caller's own handoffs")] = False,
) -> HandoffList:
    principal = await _authenticate_briefly(request)
    settings = request.app.state.settings
    items = await wait_for_handoffs(
        request.app.state.sessionmaker,
        request.app.state.handoff_notifier,
        status=status,
        channel=channel,
        limit=limit,
        wait_seconds=min(wait, settings.handoff_max_wait_seconds),
        known=None if known is None else frozenset(int(i) for i in known.split(",") if i),
        principal=principal,
        gone=request.is_disconnected,
        view=queue_view(principal, team=team, mine=mine),
    )
    return HandoffList(items=items)


@router.get("/{handoff_id}")
async def get_handoff(
    request: Request, handoff_id: PathId, _principal: PrincipalDep, session: SessionDep
) -> HandoffDetail:
    detail = await handoff_detail(session, handoff_id=handoff_id, now=utcnow())
    with_article_links(request.app.state.kb, detail.transcript)
    return detail


@router.post("/{handoff_id}/claim")
async def claim(
    request: Request, handoff_id: PathId, principal: PrincipalDep, session: SessionDep
) -> HandoffDetail:
    now = utcnow()
    await claim_handoff(
        session,
        handoff_id=handoff_id,
        principal=principal,
        now=now,
        lease_seconds=request.app.state.settings.handoff_lease_seconds,
    )
    return await handoff_detail(session, handoff_id=handoff_id, now=now)


@router.post("/{handoff_id}/messages", status_code=202)
async def reply(
    request: Request,
    handoff_id: PathId,
    body: AgentReplyIn,
    principal: PrincipalDep,
    session: SessionDep,
    background: BackgroundTasks,
) -> AgentReplyOut:
    text = body.text.strip()
    if not text:
        raise ValidationFailed("text must not be empty")
    max_length = request.app.state.settings.max_text_length
    if len(text) > max_length:
        raise ValidationFailed(f"text is longer than {max_length} characters")
    message = await post_agent_reply(
        session, handoff_id=handoff_id, principal=principal, text=text, now=utcnow()
    )
    # Background tasks run after the response, i.e. after the session committed the outbox row.
    background.add_task(wake, request.app.state, OUTBOX_WORKER)
    return AgentReplyOut(
        handoff_id=handoff_id, message_id=message.id, created_at=message.created_at
    )


@router.post("/{handoff_id}/release")
async def release(
    request: Request, handoff_id: PathId, principal: PrincipalDep, session: SessionDep
) -> HandoffDetail:
    now = utcnow()
    await release_handoff(
        session,
        handoff_id=handoff_id,
        principal=principal,
        now=now,
        lease_seconds=request.app.state.settings.handoff_lease_seconds,
    )
    return await handoff_detail(session, handoff_id=handoff_id, now=now)


@router.post("/{handoff_id}/resolve")
async def resolve(
    request: Request,
    handoff_id: PathId,
    principal: PrincipalDep,
    session: SessionDep,
    background: BackgroundTasks,
    body: ResolveIn | None = None,
) -> HandoffDetail:
    now = utcnow()
    kb, settings = request.app.state.kb, request.app.state.settings
    article = body.article if body is not None else None
    if article is not None:
        await require_article(session, kb, article)  # 422 before anything changes
    handoff = await resolve_handoff(
        session,
        handoff_id=handoff_id,
        principal=principal,
        now=now,
        lease_seconds=settings.handoff_lease_seconds,
        article=article,
    )
    if article is not None:
        await learn_from_handoff(session, kb, settings, handoff=handoff, slug=article, now=now)
    background.add_task(wake, request.app.state, OUTBOX_WORKER)  # the CSAT prompt
    return await handoff_detail(session, handoff_id=handoff_id, now=now)
