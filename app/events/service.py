"""Managing event subscriptions: create (with the address check), list with their delivery
health, delete, resume a paused one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import NotFound, ValidationFailed
from app.events.addresses import UnsafeUrl, checked_target
from app.events.catalog import EVENT_CHANNEL, recipient_key
from app.events.emit import forget_subscribers
from app.events.models import EventSubscription
from app.events.schemas import DeliveryHealth, SubscriptionIn, SubscriptionOut
from app.outbox.models import OutboxItem
from app.types import OutboxStatus
from app.wakeups import OUTBOX_WORKER, announce


async def create_subscription(
    session: AsyncSession, body: SubscriptionIn, *, settings: Settings, now: datetime
) -> EventSubscription:
    try:
        await checked_target(body.url, allow_private=settings.events_allow_private_urls)
    except UnsafeUrl as exc:
        raise ValidationFailed(str(exc), code="unsafe_url") from None
    subscription = EventSubscription(
        url=body.url,
        events=[e.value for e in body.events],
        secret=body.secret,
        status="active",
        paused_reason=None,
        paused_at=None,
        consecutive_failures=0,
        last_success_at=None,
        last_failure_at=None,
        last_error=None,
        created_at=now,
    )
    session.add(subscription)
    await session.flush()
    forget_subscribers(session)
    return subscription


async def _get(session: AsyncSession, subscription_id: int) -> EventSubscription:
    subscription = await session.get(EventSubscription, subscription_id)
    if subscription is None:
        raise NotFound(
            f"event subscription {subscription_id} does not exist",
            code="event_subscription_not_found",
        )
    return subscription


async def delete_subscription(session: AsyncSession, subscription_id: int) -> None:
    """Delete it and every delivery still queued for it: nothing more is posted there."""
    subscription = await _get(session, subscription_id)
    await session.execute(
        delete(OutboxItem)
        .where(
            OutboxItem.recipient_key == recipient_key(subscription_id),
            OutboxItem.status != OutboxStatus.sent,
        )
        .execution_options(synchronize_session=False)
    )
    await session.delete(subscription)
    await session.flush()
    forget_subscribers(session)


async def resume_subscription(
    session: AsyncSession, subscription_id: int, *, now: datetime
) -> EventSubscription:
    """Active again; the deliveries set aside while it was paused go out, oldest first."""
    subscription = await _get(session, subscription_id)
    subscription.status = "active"
    subscription.paused_reason = None
    subscription.paused_at = None
    subscription.consecutive_failures = 0
    await session.execute(
        update(OutboxItem)
        .where(
            OutboxItem.recipient_key == recipient_key(subscription_id),
            OutboxItem.status == OutboxStatus.failed,
        )
        .values(status=OutboxStatus.pending, attempts=0, next_attempt_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    forget_subscribers(session)
    await announce(session, OUTBOX_WORKER)
    return subscription


async def list_subscriptions(session: AsyncSession) -> list[SubscriptionOut]:
    subscriptions: Sequence[EventSubscription] = (
        await session.scalars(select(EventSubscription).order_by(EventSubscription.id))
    ).all()
    counts = {
        (key, status): int(n)
        for key, status, n in (
            await session.execute(
                select(OutboxItem.recipient_key, OutboxItem.status, func.count())
                .where(
                    OutboxItem.channel == EVENT_CHANNEL,
                    OutboxItem.status != OutboxStatus.sent,
                )
                .group_by(OutboxItem.recipient_key, OutboxItem.status)
            )
        ).all()
    }
    return [out(s, counts) for s in subscriptions]


def out(
    subscription: EventSubscription, counts: dict[tuple[str, str], int] | None = None
) -> SubscriptionOut:
    key = recipient_key(subscription.id)
    counts = counts or {}
    return SubscriptionOut(
        id=subscription.id,
        url=subscription.url,
        events=list(subscription.events),
        status=subscription.status,
        paused_reason=subscription.paused_reason,
        paused_at=subscription.paused_at,
        created_at=subscription.created_at,
        health=DeliveryHealth(
            consecutive_failures=subscription.consecutive_failures,
            last_success_at=subscription.last_success_at,
            last_failure_at=subscription.last_failure_at,
            last_error=subscription.last_error,
            pending=counts.get((key, OutboxStatus.pending.value), 0),
            failed=counts.get((key, OutboxStatus.failed.value), 0),
        ),
    )
