"""Which sender delivers an outbox row: the Graph API for Meta's channels, the subscriber's
URL for events, Chatwoot's API for Chatwoot conversations."""

from __future__ import annotations

from typing import Any

import httpx

from app.channels.chatwoot_api import send_chatwoot
from app.config import Settings
from app.events.catalog import EVENT_CHANNEL
from app.events.delivery import send_event
from app.outbox.graph_api import SendResult, send
from app.types import Channel


async def deliver(
    client: httpx.AsyncClient,
    settings: Settings,
    *,
    channel: str,
    account_id: str | None,
    payload: dict[str, Any],
) -> SendResult:
    if channel == EVENT_CHANNEL:
        return await send_event(client, settings, payload)
    if channel == Channel.chatwoot:
        return await send_chatwoot(client, settings, payload)
    return await send(client, settings, channel=channel, account_id=account_id, payload=payload)
