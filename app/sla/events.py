"""``sla.warning`` and ``sla.breached``: the handoff, the customer and what was (nearly)
missed, queued through the outbox like every other event."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.events.catalog import EventType
from app.events.emit import emit
from app.events.hooks import handoff_payload

if TYPE_CHECKING:
    from app.sla.models import HandoffSla


async def sla_event(
    session: AsyncSession,
    row: HandoffSla,
    *,
    kind: str,
    metric: str,
    due_at: datetime,
    now: datetime,
) -> None:
    event_type = EventType.sla_breached if kind == "breach" else EventType.sla_warning

    async def data() -> dict[str, Any]:
        payload = await handoff_payload(session, row.handoff_id)
        payload["sla"] = {
            "policy": {"id": row.policy_id, "name": row.policy_name},
            "metric": metric,
            "due_at": due_at.isoformat(),
            "business_hours": row.business_hours,
            "at": now.isoformat(),
        }
        return payload

    await emit(session, event_type, data, now=now)
