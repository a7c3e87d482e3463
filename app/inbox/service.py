"""Admin actions on webhook events: list them by state, give a failed one another go."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, NotFound
from app.inbox.models import InboxItem
from app.inbox.schemas import InboxState
from app.wakeups import INBOX_WORKER, announce


async def list_inbox(
    session: AsyncSession, *, state: InboxState, limit: int, before_id: int | None
) -> Sequence[InboxItem]:
    query = select(InboxItem)
    if state == InboxState.pending:
        query = query.where(InboxItem.processed_at.is_(None))
    else:
        query = query.where(InboxItem.outcome == state.value)
    if before_id is not None:
        query = query.where(InboxItem.id < before_id)
    return (await session.scalars(query.order_by(InboxItem.id.desc()).limit(limit))).all()


async def retry_item(session: AsyncSession, *, item_id: int, now: datetime) -> InboxItem:
    """Queue a set-aside event again with a fresh attempt budget (after a fix was deployed).

    The customer's later messages were handled meanwhile, so this one is answered late and
    out of order: the operator's call, which is why nothing retries failed events by itself.
    """
    item = await session.scalar(select(InboxItem).where(InboxItem.id == item_id).with_for_update())
    if item is None:
        raise NotFound(f"inbox event {item_id} does not exist", code="inbox_item_not_found")
    if item.outcome != InboxState.failed:
        raise Conflict(
            f"inbox event {item_id} is {item.outcome or InboxState.pending.value};"
            " only failed events can be retried",
            code="inbox_item_not_failed",
        )
    item.outcome = None
    item.processed_at = None
    item.attempts = 0
    item.next_attempt_at = now
    await session.flush()
    await announce(session, INBOX_WORKER)
    return item
