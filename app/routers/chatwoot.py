"""Chatwoot Agent Bot webhook: the router as the bot of a Chatwoot inbox.

Like the Meta webhooks: authenticate, parse, store in the inbox, answer 200 (well within
the 5 s Chatwoot waits before it gives the conversation to its agents); the inbox processor
answers right after, through the outbox.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask

from app.channels.chatwoot_auth import verify_chatwoot
from app.channels.chatwoot_events import change_row
from app.channels.chatwoot_inbound import parse_chatwoot
from app.channels.events import WebhookEvents
from app.channels.intake import accept_events
from app.config import Settings
from app.db import utcnow
from app.errors import NotFound, PayloadTooLarge
from app.json_body import JSONRoute
from app.types import Channel
from app.wakeups import INBOX_WORKER
from app.workers import wake

router = APIRouter(prefix="/webhooks", tags=["webhooks"], route_class=JSONRoute)


@router.post("/chatwoot")
async def chatwoot_receive(
    request: Request, secret: Annotated[str | None, Query(max_length=500)] = None
) -> JSONResponse:
    settings: Settings = request.app.state.settings
    if not settings.chatwoot_url or settings.chatwoot_bot_token is None:
        raise NotFound("the chatwoot channel is not configured", code="channel_not_configured")
    body = await request.body()
    if len(body) > settings.max_body_bytes:
        raise PayloadTooLarge(f"request body exceeds {settings.max_body_bytes} bytes")
    if settings.chatwoot_webhook_secret is not None:
        verify_chatwoot(
            settings.chatwoot_webhook_secret.get_secret_value(),
            body,
            query_secret=secret,
            signature=request.headers.get("x-chatwoot-signature"),
            timestamp=request.headers.get("x-chatwoot-timestamp"),
        )
    found = parse_chatwoot(body)
    now = utcnow()
    summary = await accept_events(
        request.app.state.inbox_writer,
        Channel.chatwoot,
        WebhookEvents(messages=found.messages),
        now=now,
        max_age=timedelta(seconds=settings.inbound_max_age_seconds),
    )
    rows = [change_row(change, received_at=now) for change in found.changes]
    changes = len(await request.app.state.inbox_writer.append(rows)) if rows else 0
    return JSONResponse(
        {
            "status": "ok",
            "messages": summary.messages,
            "duplicates": summary.duplicates + len(rows) - changes,
            "conversation_changes": changes,
            "ignored": found.ignored,
        },
        background=BackgroundTask(wake, request.app.state, INBOX_WORKER),
    )
