"""A customer's erasure (``app.conversations.erasure``) reaching the events that name them.

An event's body carries its customer (``data.customer``: name and platform id). In the
erasure's transaction:
- delivered ones (sent) are deleted: a delivery record, like the customer's sent replies;
- undelivered ones (pending, or failed: a paused subscription's, sent when it resumes) are
  scrubbed and re-signed, not dropped: the subscriber still learns that the handoff or
  conversation happened (its counts and state stay right, under the same event id), only no
  longer who it was; the customer reads as the contact now does (``erased:<id>``, no name).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.channels.signature import body_signature
from app.events.catalog import EVENT_CHANNEL
from app.events.emit import encode_body
from app.events.models import EventSubscription
from app.outbox.models import OutboxItem
from app.types import OutboxStatus


def _names(data: dict[str, Any], channel: str, external_id: str) -> bool:
    customer = data.get("customer") or {}
    subject = data.get("handoff") or data.get("conversation") or {}
    return customer.get("external_id") == external_id and subject.get("channel") == channel


async def erase_from_events(
    session: AsyncSession, *, channel: str, external_id: str, erased_id: str
) -> int:
    """Delete the delivered events naming the customer, scrub the undelivered ones; how
    many in all. A scan of the event rows (erasure is rare): the body's text narrows it to
    the few that can name them, the parsed body decides."""
    marker = '"external_id":' + json.dumps(external_id, ensure_ascii=False)
    rows = (
        await session.scalars(
            select(OutboxItem)
            .where(
                OutboxItem.channel == EVENT_CHANNEL,
                OutboxItem.payload["body"].as_string().contains(marker, autoescape=True),
            )
            .with_for_update()
        )
    ).all()
    erased = 0
    for row in rows:
        envelope = json.loads(row.payload["body"])
        if not _names(envelope["data"], channel, external_id):
            continue
        erased += 1
        # Deleting a subscription deletes its undelivered rows: one without is a race lost.
        subscription = await session.get(EventSubscription, int(row.account_id or 0))
        if row.status == OutboxStatus.sent or subscription is None:
            await session.delete(row)
            continue
        envelope["data"]["customer"] = {"name": None, "external_id": erased_id}
        body = encode_body(envelope)
        signature = body_signature(subscription.secret, body.encode())
        row.payload = {**row.payload, "body": body, "signature": signature}
    await session.flush()
    return erased
