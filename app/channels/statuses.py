"""Platform delivery reports -> our outbound message's delivery state, monotonically.

Reports arrive out of order ("read" can come before "delivered", or alone), so each update is
one conditional UPDATE that only moves the state forward: sent < delivered < read, and
"failed" is final. No read-then-write, so concurrent reports cannot move it backwards.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.channels.events import StatusUpdate
from app.conversations.models import Message
from app.db_util import rowcount
from app.types import Channel, DeliveryStatus, Direction

# For each reported status, the states it may replace.
_REPLACES: dict[str, tuple[str, ...]] = {
    DeliveryStatus.sent: (DeliveryStatus.pending,),
    DeliveryStatus.delivered: (DeliveryStatus.pending, DeliveryStatus.sent),
    DeliveryStatus.read: (DeliveryStatus.pending, DeliveryStatus.sent, DeliveryStatus.delivered),
    DeliveryStatus.failed: (DeliveryStatus.pending, DeliveryStatus.sent),
}


async def apply_status(session: AsyncSession, channel: Channel, report: StatusUpdate) -> bool:
    """True when the report moved a message forward (unknown ids and stale reports: False)."""
    replaces = _REPLACES.get(report.status)
    if replaces is None:
        return False
    values: dict[str, object] = {"delivery_status": report.status}
    if report.status == DeliveryStatus.failed:
        values["delivery_error"] = report.error or "failed (no reason given)"
    result = await session.execute(
        update(Message)
        .where(
            Message.channel == channel,
            Message.direction == Direction.outbound,
            Message.platform_message_id == report.platform_message_id,
            func.coalesce(Message.delivery_status, DeliveryStatus.pending).in_(replaces),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) != 0


async def is_known(session: AsyncSession, channel: Channel, platform_message_id: str) -> bool:
    """Whether one of our outbound messages carries this platform id (yet)."""
    found = await session.scalar(
        select(Message.id)
        .where(
            Message.channel == channel,
            Message.direction == Direction.outbound,
            Message.platform_message_id == platform_message_id,
        )
        .limit(1)
    )
    return found is not None
