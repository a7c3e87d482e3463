"""Inbox queries: claim the next events in per-customer order, prune handled ones."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_util import delete_chosen, first_in_line, rowcount
from app.inbox.models import InboxItem


@functools.cache
def _claim_statement(limit: int) -> Select[Any]:
    # Built once per batch size, with the time as a parameter (app/outbox/repository.py).
    return first_in_line(
        InboxItem,
        pending=lambda item: item.processed_at.is_(None),
        key=("channel", "contact_key"),
        due=InboxItem.next_attempt_at <= bindparam("claim_now"),
        limit=limit,
    )


async def claim(session: AsyncSession, *, now: datetime, limit: int) -> Sequence[InboxItem]:
    """Lock the oldest due events whose customer has no older event still pending: while
    one processor holds a customer's first message, another skips the second instead of
    answering it first. Delivery reports have no customer key (NULL never equals), so they
    never wait."""
    return (await session.scalars(_claim_statement(limit), {"claim_now": now})).all()


async def mark_done(session: AsyncSession, ids: Sequence[int], *, now: datetime) -> None:
    if ids:
        await session.execute(
            update(InboxItem)
            .where(InboxItem.id.in_(ids))
            .values(processed_at=now, outcome="done")
            .execution_options(synchronize_session=False)
        )


async def count_pending(session: AsyncSession) -> int:
    statement = select(func.count()).select_from(InboxItem).where(InboxItem.processed_at.is_(None))
    return int(await session.scalar(statement) or 0)


async def prune(session: AsyncSession, *, before: datetime, limit: int) -> int:
    """Forget up to ``limit`` events handled before ``before`` (the messages table still
    dedupes them); the number deleted."""
    oldest = (
        select(InboxItem.id)
        .where(InboxItem.processed_at.is_not(None), InboxItem.processed_at < before)
        .order_by(InboxItem.processed_at)
        .limit(limit)
    )
    return await delete_chosen(session, InboxItem, oldest)


async def pending_for(session: AsyncSession, *, channel: str, contact_key: str) -> int:
    """Events of one customer not handled yet."""
    statement = (
        select(func.count())
        .select_from(InboxItem)
        .where(
            InboxItem.channel == channel,
            InboxItem.contact_key == contact_key,
            InboxItem.processed_at.is_(None),
        )
    )
    return int(await session.scalar(statement) or 0)


async def delete_handled_for(session: AsyncSession, *, channel: str, contact_key: str) -> int:
    """Forget one customer's handled events (their raw payloads); the number deleted. An
    event still pending is left alone: it has not been answered yet."""
    result = await session.execute(
        delete(InboxItem)
        .where(
            InboxItem.channel == channel,
            InboxItem.contact_key == contact_key,
            InboxItem.processed_at.is_not(None),
        )
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)
