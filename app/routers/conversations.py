"""Conversations for ops (supervisors and admins): the filtered list behind every dashboard
number, and one conversation with its outcome, handoff and transcript."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.agenttools.schemas import LabelQuery
from app.analytics.conversation_filters import ArticleRating, ConversationFilter, OutcomeFilter
from app.analytics.conversation_schemas import ConversationDetail, ConversationList
from app.analytics.conversations import conversation_detail, list_conversations
from app.analytics.keyset import decode_cursor
from app.auth import SupervisorDep
from app.db import SessionDep
from app.errors import ValidationFailed
from app.json_body import JSONRoute
from app.routers.stats import AllTimeDep
from app.security_params import PathId
from app.types import Channel, EscalationReason

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"], route_class=JSONRoute)

MAX_TEXTS = 10


@router.get("")
async def get_conversations(
    request: Request,
    session: SessionDep,
    _reader: SupervisorDep,
    period: AllTimeDep,
    channel: Channel | None = None,
    outcome: OutcomeFilter | None = None,
    reason: Annotated[EscalationReason | None, Query(description="implies escalated")] = None,
    article: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=120,
            description="served in the period; with an outcome or reason: the article it ended"
            " on (the funnel's escalated_after); with rated: rated so in the period",
        ),
    ] = None,
    rated: Annotated[
        ArticleRating | None, Query(description="with article: how the customer rated it")
    ] = None,
    text: Annotated[
        list[str] | None,
        Query(description="a customer wrote exactly this (repeatable: a gap's wordings)"),
    ] = None,
    label: LabelQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(description="from the previous page")] = None,
) -> ConversationList:
    texts = [t for t in text or [] if t.strip()]
    if len(texts) > MAX_TEXTS:
        raise ValidationFailed(f"at most {MAX_TEXTS} text values")
    max_length = request.app.state.settings.max_text_length
    if any(len(t) > max_length for t in texts):
        raise ValidationFailed(f"text is longer than {max_length} characters")
    filters = ConversationFilter(
        period=period,
        channel=channel.value if channel else None,
        outcome=outcome,
        reason=reason.value if reason else None,
        article=article,
        rated=rated,
        texts=texts,
        label=label,
    )
    after = decode_cursor(cursor) if cursor else None
    return await list_conversations(session, filters=filters, limit=limit, after=after)


@router.get("/{conversation_id}")
async def get_conversation(
    conversation_id: PathId, session: SessionDep, _reader: SupervisorDep
) -> ConversationDetail:
    return await conversation_detail(session, conversation_id=conversation_id)
