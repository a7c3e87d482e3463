"""The functions the conversation engine calls: open_handoff, queue_position, record_csat."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Conversation, Outcome
from app.db import utcnow
from app.escalation.models import Handoff, HandoffEvent
from app.escalation.service import live_handoff_for, open_handoff, queue_position, record_csat
from app.types import ConversationStatus, HandoffStatus
from tests.factories import fetch, make_conversation, make_handoff


async def test_open_handoff_records_escalation_once(app: FastAPI, session: AsyncSession) -> None:
    now = utcnow()
    conversation = await make_conversation(session, last_article_slug="cara-refund")
    first = await open_handoff(session, conversation=conversation, reason="button", now=now)
    second = await open_handoff(
        session, conversation=conversation, reason="frustration", now=now + timedelta(seconds=5)
    )
    await session.commit()

    assert second.id == first.id
    assert first.status == HandoffStatus.waiting
    assert first.channel == conversation.channel
    stored = await fetch(app.state.sessionmaker, Conversation, conversation.id)
    assert stored.status == ConversationStatus.handoff
    outcomes = (await session.scalars(select(Outcome))).all()
    assert [(o.outcome, o.reason, o.article_slug) for o in outcomes] == [
        ("escalated", "button", "cara-refund")
    ]
    events = (await session.scalars(select(HandoffEvent.kind))).all()
    assert events == ["created"]
    await session.commit()


async def test_new_handoff_after_the_previous_one_was_resolved(session: AsyncSession) -> None:
    conversation = await make_conversation(session)
    first = await open_handoff(session, conversation=conversation, reason="button", now=utcnow())
    first.status = HandoffStatus.resolved.value
    await session.flush()
    assert await live_handoff_for(session, conversation.id) is None
    second = await open_handoff(session, conversation=conversation, reason="button", now=utcnow())
    assert second.id != first.id
    assert await live_handoff_for(session, conversation.id) == second
    await session.commit()


async def test_queue_position_orders_by_priority_then_age(session: AsyncSession) -> None:
    start = utcnow()
    old = await make_handoff(session, now=start)
    newer = await make_handoff(session, now=start + timedelta(seconds=10))
    urgent = await make_handoff(session, now=start + timedelta(seconds=20), priority=5)
    assert await queue_position(session, urgent) == 1
    assert await queue_position(session, old) == 2
    assert await queue_position(session, newer) == 3

    old.status = HandoffStatus.assigned.value
    await session.flush()
    assert await queue_position(session, old) is None
    assert await queue_position(session, newer) == 2
    await session.commit()


async def test_record_csat_scores_the_latest_resolved_handoff_once(session: AsyncSession) -> None:
    now = utcnow()
    handoff = await make_handoff(session, now=now)
    conversation_id = handoff.conversation_id
    assert not await record_csat(session, conversation_id=conversation_id, score=4, now=now)

    handoff.status = HandoffStatus.resolved.value
    handoff.resolved_at = now
    await session.flush()
    assert not await record_csat(session, conversation_id=conversation_id, score=0, now=now)
    assert not await record_csat(session, conversation_id=conversation_id, score=6, now=now)
    assert await record_csat(session, conversation_id=conversation_id, score=4, now=now)
    assert not await record_csat(session, conversation_id=conversation_id, score=1, now=now)
    await session.commit()

    stored = await session.get_one(Handoff, handoff.id, populate_existing=True)
    assert (stored.csat_score, stored.csat_at) == (4, now)
    csat_events = await session.scalar(
        select(func.count()).select_from(HandoffEvent).where(HandoffEvent.kind == "csat")
    )
    assert csat_events == 1
    await session.commit()
