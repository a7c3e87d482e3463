"""Admin operations on the outbox: see failed deliveries, send one again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, NotFound
from app.outbox import repository
from app.outbox.models import OutboxItem
from app.types import OutboxStatus
from app.wakeups import OUTBOX_WORKER, announce


async def list_outbox(
    session: AsyncSession, *, status: OutboxStatus, limit: int, before_id: int | None = None
) -> Sequence[OutboxItem]:
    """Newest first; page with ``before_id`` (the last id of the previous page)."""
    return await repository.list_items(session, status=status, limit=limit, before_id=before_id)


async def retry_item(session: AsyncSession, *, item_id: int, now: datetime) -> OutboxItem:
    """Put a failed delivery back in the queue with a fresh attempt budget."""
    item = await repository.lock_item(session, item_id)
    if item is None:
        raise NotFound(f"outbox item {item_id} does not exist", code="outbox_item_not_found")
    if item.status != OutboxStatus.failed:
        raise Conflict(
            f"outbox item {item_id} is {item.status}; only failed items can be retried",
            code="outbox_item_not_failed",
        )
    item.status = OutboxStatus.pending
    item.attempts = 0
    item.next_attempt_at = now
    if item.message_id is not None:
        await repository.reset_message_delivery(session, item.message_id)
    await session.flush()
    await announce(session, OUTBOX_WORKER)
    return item
