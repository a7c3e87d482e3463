"""Lease expiry: a claim nobody answered returns to the queue."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.escalation.leases import expire_leases, run_lease_expiry
from app.escalation.models import Handoff, HandoffEvent
from app.types import HandoffStatus
from tests.factories import make_agent, make_handoff

LEASE = 300


async def _claimed(session: AsyncSession, *, claimed_minutes_ago: float) -> Handoff:
    agent, _token = await make_agent(session)
    handoff = await make_handoff(session)
    claimed_at = utcnow() - timedelta(minutes=claimed_minutes_ago)
    handoff.status = HandoffStatus.assigned.value
    handoff.agent_id = agent.id
    handoff.claimed_at = claimed_at
    handoff.lease_expires_at = claimed_at + timedelta(seconds=LEASE)
    await session.flush()
    return handoff


async def test_expired_claim_returns_to_the_queue(session: AsyncSession) -> None:
    stale = await _claimed(session, claimed_minutes_ago=6)
    fresh = await _claimed(session, claimed_minutes_ago=1)
    agent_id = stale.agent_id
    await session.commit()

    assert await expire_leases(session, now=utcnow(), lease_seconds=LEASE) == 1
    await session.commit()

    await session.refresh(stale)
    await session.refresh(fresh)
    assert (stale.status, stale.agent_id, stale.lease_expires_at) == ("waiting", None, None)
    assert fresh.status == HandoffStatus.assigned
    event = await session.scalar(select(HandoffEvent).where(HandoffEvent.kind == "lease_expired"))
    assert event is not None
    assert (event.handoff_id, event.agent_id) == (stale.id, agent_id)
    await session.commit()


async def test_answered_claim_keeps_its_agent(session: AsyncSession) -> None:
    handoff = await _claimed(session, claimed_minutes_ago=60)
    # What an agent reply does: the lease is over, the agent is working on it.
    handoff.first_agent_reply_at = utcnow() - timedelta(minutes=59)
    handoff.lease_expires_at = None
    await session.commit()

    assert await expire_leases(session, now=utcnow(), lease_seconds=LEASE) == 0
    await session.commit()


async def test_claim_without_lease_stamp_expires_after_lease_seconds(session: AsyncSession) -> None:
    handoff = await _claimed(session, claimed_minutes_ago=10)
    handoff.lease_expires_at = None
    await session.commit()

    assert await expire_leases(session, now=utcnow(), lease_seconds=3600) == 0
    assert await expire_leases(session, now=utcnow(), lease_seconds=LEASE) == 1
    await session.commit()


async def test_periodic_job_updates_the_waiting_gauge(app: FastAPI, session: AsyncSession) -> None:
    await make_handoff(session)
    await _claimed(session, claimed_minutes_ago=30)
    await session.commit()

    assert await run_lease_expiry(app.state.sessionmaker, lease_seconds=LEASE) == 1
    assert REGISTRY.get_sample_value("router_handoffs_waiting") == 2
