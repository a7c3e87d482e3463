"""Asking the surveys after a conversation ended, and reading the answers.

After an agent resolves, the configured surveys (``ROUTER_SURVEY_AFTER_AGENT``, in order)
are asked one at a time: the next question follows the answer to the previous one. After a
customer confirmed that the bot's answer helped, CES may be asked
(``ROUTER_SURVEY_AFTER_BOT``). NPS is skipped for a customer asked within
``ROUTER_NPS_INTERVAL_DAYS``.

State: ``conversation.awaiting_csat`` while the CSAT question is open (``app.bot.followups``)
and ``conversation.survey_pending``: the CES/NPS questions still to ask, the first one being
the open one when CSAT is not. Each CES/NPS question asked is a ``survey_responses`` row,
its score filled in once (a conditional update) when answered.

A survey answer closes nothing and opens nothing: it is neither a handoff nor a knowledge
gap. Anything that is not an answer ends the survey and is handled as a new message.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.replies import rating_question
from app.bot.types import Reply
from app.conversations.models import Conversation
from app.db_util import rowcount
from app.escalation.models import Handoff
from app.surveys.models import SurveyResponse
from app.surveys.plan import plan_of
from app.surveys.questions import NPS, question

CSAT = "csat"
UNDERSTOOD_AS = "survey"


async def _asked_nps_lately(session: AsyncSession, contact_id: int, now: datetime) -> bool:
    days = plan_of(session).nps_interval_days
    if days <= 0:
        return False
    return bool(
        await session.scalar(
            select(
                exists().where(
                    SurveyResponse.contact_id == contact_id,
                    SurveyResponse.kind == NPS,
                    SurveyResponse.asked_at > now - timedelta(days=days),
                )
            )
        )
    )


async def _ask(
    session: AsyncSession, conversation: Conversation, kind: str, now: datetime
) -> Reply:
    handoff = (
        await session.execute(
            select(Handoff.id, Handoff.team_id)
            .where(Handoff.conversation_id == conversation.id)
            .order_by(Handoff.id.desc())
            .limit(1)
        )
    ).first()
    session.add(
        SurveyResponse(
            conversation_id=conversation.id,
            contact_id=conversation.contact_id,
            handoff_id=handoff.id if handoff else None,
            team_id=handoff.team_id if handoff else None,
            kind=kind,
            source="agent" if handoff else "bot",
            channel=conversation.channel,
            conversation_created_at=conversation.created_at,
            asked_at=now,
        )
    )
    return question(kind, conversation.language)


async def _start(
    session: AsyncSession, conversation: Conversation, kinds: tuple[str, ...], now: datetime
) -> list[Reply]:
    queue = [
        kind
        for kind in kinds
        if kind != NPS or not await _asked_nps_lately(session, conversation.contact_id, now)
    ]
    if not queue:
        conversation.survey_pending = None
        return []
    if queue[0] == CSAT:
        conversation.awaiting_csat = True
        conversation.survey_pending = ",".join(queue[1:]) or None
        return [rating_question(conversation.language)]
    conversation.survey_pending = ",".join(queue)
    return [await _ask(session, conversation, queue[0], now)]


async def after_agent(
    session: AsyncSession, conversation: Conversation, *, now: datetime
) -> list[Reply]:
    """The first question once an agent resolved (CSAT by default); [] when none is set."""
    return await _start(session, conversation, plan_of(session).after_agent, now)


async def after_bot(
    session: AsyncSession, conversation: Conversation, *, now: datetime
) -> list[Reply]:
    """The question after a confirmed deflection (CES when configured), else []."""
    return await _start(session, conversation, plan_of(session).after_bot, now)


async def ask_next(
    session: AsyncSession, conversation: Conversation, *, now: datetime
) -> list[Reply]:
    """After CSAT was answered: the next survey question, if one is left."""
    if not conversation.survey_pending:
        return []
    kinds = tuple(conversation.survey_pending.split(","))
    return await _start(session, conversation, kinds, now)


def current(conversation: Conversation) -> str | None:
    """The CES/NPS question open in this (closed) conversation."""
    if conversation.awaiting_csat or not conversation.survey_pending:
        return None
    return conversation.survey_pending.split(",")[0]


async def record_answer(
    session: AsyncSession, conversation: Conversation, kind: str, score: int, *, now: datetime
) -> bool:
    """Store the score on the question asked; False when it was answered already."""
    target = (
        select(SurveyResponse.id)
        .where(
            SurveyResponse.conversation_id == conversation.id,
            SurveyResponse.kind == kind,
            SurveyResponse.score.is_(None),
        )
        .order_by(SurveyResponse.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    result = await session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.id == target, SurveyResponse.score.is_(None))
        .values(score=score, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


async def advance(
    session: AsyncSession, conversation: Conversation, *, now: datetime
) -> list[Reply]:
    """The open question was answered: ask the next one, or nothing."""
    rest = (conversation.survey_pending or "").split(",")[1:]
    conversation.survey_pending = ",".join(rest) or None
    return await ask_next(session, conversation, now=now)
