"""Outbox queries: claim due rows, record delivery results, admin listing."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Contact, Message
from app.db_util import delete_chosen, first_in_line, rowcount
from app.outbox.models import OutboxItem, customer_key
from app.types import DeliveryStatus, OutboxStatus

# Written into the SQL, not bound: only then can PostgreSQL's plan, cached for any
# parameter values, use the index on pending rows (its WHERE names the literal).
_PENDING = literal(OutboxStatus.pending.value, literal_execute=True)


@functools.cache
def _claim_statement(limit: int) -> Select[Any]:
    # Built once per batch size, with the time as a parameter: building the statement cost
    # a third of each claim's CPU.
    return first_in_line(
        OutboxItem,
        pending=lambda item: item.status == _PENDING,
        key=("recipient_key",),
        due=OutboxItem.next_attempt_at <= bindparam("claim_now"),
        limit=limit,
    )


async def claim_due(
    session: AsyncSession, *, now: datetime, limit: int, lease: timedelta
) -> list[OutboxItem]:
    """Lease the due rows that are first in line for their recipient.

    A row is skipped while an earlier row for the same recipient is still pending, so each
    customer gets their messages in order and a throttled recipient holds back only itself.
    ``FOR UPDATE SKIP LOCKED`` lets several workers claim at once without waiting on each
    other; the claim then pushes ``next_attempt_at`` past the lease and commits, so the HTTP
    call happens without a row lock and no other worker picks the row meanwhile. A worker
    that dies mid-send leaves the row to be retried after the lease (at-least-once).
    """
    rows = list(await session.scalars(_claim_statement(limit), {"claim_now": now}))
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + lease
    await session.flush()
    return rows


@dataclass(frozen=True)
class Sent:
    item_id: int
    message_id: int | None
    platform_id: str | None  # the platform's id for what it accepted, when it gave one


_messages = cast(Table, Message.__table__)
_MARK_MESSAGE_SENT = (
    update(_messages)
    .where(_messages.c.id == bindparam("b_message_id"))
    .values(
        # A status report may already have moved it on ("delivered" racing our commit).
        delivery_status=func.coalesce(
            func.nullif(_messages.c.delivery_status, DeliveryStatus.pending), DeliveryStatus.sent
        ),
        # A reply split into several platform messages keeps the id of the last one sent.
        platform_message_id=func.coalesce(
            bindparam("b_platform_id", type_=String()), _messages.c.platform_message_id
        ),
    )
)


async def mark_sent(session: AsyncSession, sent: Sequence[Sent], *, now: datetime) -> None:
    """Record a round's successful sends: two statements, however many rows."""
    if not sent:
        return
    await session.execute(
        update(OutboxItem)
        .where(OutboxItem.id.in_([s.item_id for s in sent]))
        .values(status=OutboxStatus.sent, sent_at=now, last_error=None)
    )
    # Several rows of one message (a split reply) are applied in send order.
    params = [
        {"b_message_id": s.message_id, "b_platform_id": s.platform_id}
        for s in sorted(sent, key=lambda s: s.item_id)
        if s.message_id is not None
    ]
    if params:
        connection = await session.connection()
        await connection.execute(_MARK_MESSAGE_SENT, params)


async def mark_retry(
    session: AsyncSession, item_id: int, *, error: str | None, next_attempt_at: datetime
) -> None:
    await session.execute(
        update(OutboxItem)
        .where(OutboxItem.id == item_id)
        .values(last_error=error, next_attempt_at=next_attempt_at)
    )


async def mark_failed(
    session: AsyncSession, item_id: int, *, message_id: int | None, error: str
) -> None:
    await session.execute(
        update(OutboxItem)
        .where(OutboxItem.id == item_id)
        .values(status=OutboxStatus.failed, last_error=error)
    )
    if message_id is not None:
        await session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(delivery_status=DeliveryStatus.failed, delivery_error=error)
        )


async def count_pending(session: AsyncSession) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(OutboxItem)
        .where(OutboxItem.status == OutboxStatus.pending)
    )
    return int(count or 0)


async def list_items(
    session: AsyncSession, *, status: OutboxStatus, limit: int, before_id: int | None
) -> Sequence[OutboxItem]:
    query = select(OutboxItem).where(OutboxItem.status == status)
    if before_id is not None:
        query = query.where(OutboxItem.id < before_id)
    return (await session.scalars(query.order_by(OutboxItem.id.desc()).limit(limit))).all()


async def lock_item(session: AsyncSession, item_id: int) -> OutboxItem | None:
    return await session.scalar(
        select(OutboxItem).where(OutboxItem.id == item_id).with_for_update()
    )


async def reset_message_delivery(session: AsyncSession, message_id: int) -> None:
    await session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(delivery_status=DeliveryStatus.pending, delivery_error=None)
    )


def _of_contact(contact: Contact) -> ColumnElement[bool]:
    # Replies by their message; what has none (a Chatwoot handover) by the customer's key.
    return or_(
        OutboxItem.message_id.in_(select(Message.id).where(Message.contact_id == contact.id)),
        OutboxItem.recipient_key
        == customer_key(contact.channel, contact.account_id, contact.external_id),
    )


async def pending_for_contact(session: AsyncSession, *, contact: Contact) -> int:
    """Deliveries to one customer still waiting to be sent."""
    count = await session.scalar(
        select(func.count())
        .select_from(OutboxItem)
        .where(_of_contact(contact), OutboxItem.status == OutboxStatus.pending)
    )
    return int(count or 0)


async def delete_sent_for_contact(session: AsyncSession, *, contact: Contact) -> int:
    """Forget the rendered deliveries (their text and recipient) sent or given up for one
    customer; the number deleted. The messages themselves stay."""
    result = await session.execute(
        delete(OutboxItem)
        .where(_of_contact(contact), OutboxItem.status != OutboxStatus.pending)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def delete_done_before(session: AsyncSession, *, before: datetime, limit: int) -> int:
    """Forget up to ``limit`` rows sent (or given up) and created before ``before``: their
    payload is a customer's reply text. Pending rows stay. The number deleted."""
    oldest = (
        select(OutboxItem.id)
        .where(OutboxItem.status != OutboxStatus.pending, OutboxItem.created_at < before)
        .order_by(OutboxItem.id)  # deleted rows vanish: the scan starts at the next old one
        .limit(limit)
    )
    return await delete_chosen(session, OutboxItem, oldest)
