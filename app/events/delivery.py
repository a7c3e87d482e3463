"""Posting one stored event to its subscriber, and what the answers mean for the
subscription's health.

2xx: delivered. A redirect or an address the router must not reach: given up at once (a
redirect is never followed: its target was not checked) and the subscription paused with
the reason. Anything else (network errors, timeouts, other statuses): retried with the
outbox's backoff; a delivery that runs out of attempts pauses its subscription too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.events.addresses import UnsafeUrl, checked_target
from app.events.catalog import EVENT_CHANNEL, SIGNATURE_HEADER, recipient_key
from app.events.models import EventSubscription
from app.outbox.graph_api import SendResult
from app.outbox.models import OutboxItem
from app.types import OutboxStatus

logger = logging.getLogger("app.events")

PERMANENT_PREFIX = "refused"
USER_AGENT = "self-service-router-events/1"


async def send_event(
    client: httpx.AsyncClient, settings: Settings, payload: dict[str, Any]
) -> SendResult:
    try:
        target = await checked_target(
            payload["url"], allow_private=settings.events_allow_private_urls
        )
    except UnsafeUrl as exc:
        return SendResult("failed", error=f"{PERMANENT_PREFIX}: {exc}")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: payload["signature"],
        "X-Router-Event-Id": payload["event_id"],
        "X-Router-Event-Type": payload["type"],
    }
    if target.host_header is not None:
        headers["Host"] = target.host_header
    extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else None
    try:
        response = await client.post(
            target.url,
            content=payload["body"].encode(),
            headers=headers,
            timeout=settings.graph_api_timeout_seconds,
            follow_redirects=False,
            extensions=extensions,
        )
    except httpx.HTTPError as exc:
        return SendResult("retry", error=f"network error: {type(exc).__name__}")
    if response.is_success:
        return SendResult("sent")
    if response.is_redirect:
        location = response.headers.get("location", "")[:300]
        return SendResult(
            "failed",
            error=f"{PERMANENT_PREFIX}: HTTP {response.status_code} redirect to {location!r}"
            " (redirects are not followed)",
        )
    return SendResult("retry", error=f"HTTP {response.status_code}")


async def pause(session: AsyncSession, subscription_id: int, *, reason: str, now: datetime) -> None:
    """Stop posting to a subscriber that keeps failing. Its waiting deliveries are set aside
    (failed, not deleted): resuming the subscription sends them."""
    await session.execute(
        update(EventSubscription)
        .where(EventSubscription.id == subscription_id)
        .values(status="paused", paused_reason=reason[:2000], paused_at=now)
    )
    await session.execute(
        update(OutboxItem)
        .where(
            OutboxItem.recipient_key == recipient_key(subscription_id),
            OutboxItem.status == OutboxStatus.pending,
        )
        .values(status=OutboxStatus.failed, last_error=f"subscription paused: {reason}"[:2000])
        .execution_options(synchronize_session=False)
    )
    logger.warning(
        "event subscription paused", extra={"subscription_id": subscription_id, "reason": reason}
    )


async def record_health(
    session: AsyncSession,
    items: Sequence[OutboxItem],
    results: Sequence[SendResult],
    kinds: Sequence[str],
    *,
    now: datetime,
) -> None:
    """After a round of deliveries (``kinds``: what the outbox recorded for each), update
    the subscriptions they were for; pause those that gave up."""
    for item, result, kind in zip(items, results, kinds, strict=True):
        if item.channel != EVENT_CHANNEL or item.account_id is None:
            continue
        subscription_id = int(item.account_id)
        sub = EventSubscription.__table__.c
        if kind == "sent":
            values: dict[str, Any] = {"consecutive_failures": 0, "last_success_at": now}
        else:
            values = {
                "consecutive_failures": sub.consecutive_failures + 1,
                "last_failure_at": now,
                "last_error": (result.error or "unknown error")[:2000],
            }
        await session.execute(
            update(EventSubscription).where(EventSubscription.id == subscription_id).values(values)
        )
        if kind == "failed":
            reason = result.error or "unknown error"
            if not reason.startswith(PERMANENT_PREFIX):
                reason = f"gave up after {item.attempts} attempts: {reason}"
            await pause(session, subscription_id, reason=reason, now=now)
