"""A handoff's ``sla`` for the handoff APIs: the state of many handoffs in two queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.sla.models import HandoffSla, SlaEvent
from app.sla.schemas import Breach, HandoffSlaOut, PolicyRef


class WithSla(Protocol):
    id: int
    sla: HandoffSlaOut | None


async def sla_states(session: AsyncSession, handoff_ids: Sequence[int]) -> dict[int, HandoffSlaOut]:
    """``sla`` of each handoff a policy applied to (others are absent: ``sla`` is null)."""
    if not handoff_ids:
        return {}
    rows = await session.scalars(
        select(HandoffSla).where(
            HandoffSla.handoff_id.in_(handoff_ids), HandoffSla.status.is_not(None)
        )
    )
    states = {row.handoff_id: row for row in rows}
    if not states:
        return {}
    breaches: dict[int, list[Breach]] = {}
    events = await session.scalars(
        select(SlaEvent)
        .where(SlaEvent.handoff_id.in_(list(states)), SlaEvent.kind == "breach")
        .order_by(SlaEvent.due_at, SlaEvent.id)
    )
    for event in events:
        breaches.setdefault(event.handoff_id, []).append(
            Breach(metric=event.metric, due_at=event.due_at, at=event.at)
        )
    return {
        handoff_id: HandoffSlaOut(
            policy=PolicyRef(id=row.policy_id, name=row.policy_name),
            first_response_due_at=row.first_response_due_at,
            next_response_due_at=row.next_response_due_at,
            resolution_due_at=row.resolution_due_at,
            status=row.status,
            breaches=breaches.get(handoff_id, []),
        )
        for handoff_id, row in states.items()
    }


async def attach_sla(session: AsyncSession, items: Sequence[WithSla]) -> None:
    """Fill each item's ``sla``."""
    states = await sla_states(session, [item.id for item in items])
    for item in items:
        item.sla = states.get(item.id)
