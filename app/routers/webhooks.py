"""WhatsApp Cloud API and Messenger Platform webhooks.

GET: the verify-token handshake. POST: signature over the raw body first, then parse, then
store the events in the inbox (group-committed): the 200 goes out once they are durable, and
a database outage answers 503 so Meta delivers again later. The inbox processor answers them
right after (``app.inbox.processor``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.background import BackgroundTask

from app.channels.events import WebhookEvents
from app.channels.intake import accept_events
from app.channels.messenger_inbound import parse_messenger
from app.channels.signature import verify_handshake, verify_signature
from app.channels.whatsapp_inbound import parse_whatsapp
from app.config import Settings
from app.db import utcnow
from app.errors import NotFound, PayloadTooLarge
from app.json_body import JSONRoute
from app.types import Channel
from app.wakeups import INBOX_WORKER
from app.workers import wake

router = APIRouter(prefix="/webhooks", tags=["webhooks"], route_class=JSONRoute)

Mode = Annotated[str | None, Query(alias="hub.mode")]
VerifyToken = Annotated[str | None, Query(alias="hub.verify_token")]
Challenge = Annotated[str | None, Query(alias="hub.challenge")]

_PARSERS: dict[Channel, Callable[[bytes], WebhookEvents]] = {
    Channel.whatsapp: parse_whatsapp,
    Channel.messenger: parse_messenger,
}


def _secrets(settings: Settings, channel: Channel) -> tuple[str, str]:
    """(verify token, app secret); 404 until the channel is fully configured."""
    if channel == Channel.whatsapp:
        verify, secret = settings.whatsapp_verify_token, settings.whatsapp_app_secret
        sending = settings.whatsapp_access_token is not None
    else:
        verify, secret = settings.messenger_verify_token, settings.messenger_app_secret
        sending = bool(settings.messenger_page_access_token or settings.messenger_page_tokens)
    if verify is None or secret is None or not sending:
        raise NotFound(
            f"the {channel.value} channel is not configured", code="channel_not_configured"
        )
    return verify.get_secret_value(), secret.get_secret_value()


def _handshake(
    request: Request, channel: Channel, mode: str | None, token: str | None, challenge: str | None
) -> PlainTextResponse:
    verify_token, _ = _secrets(request.app.state.settings, channel)
    return PlainTextResponse(
        verify_handshake(verify_token, mode=mode, token=token, challenge=challenge)
    )


async def _receive(request: Request, channel: Channel) -> JSONResponse:
    settings: Settings = request.app.state.settings
    _, app_secret = _secrets(settings, channel)
    body = await request.body()
    if len(body) > settings.max_body_bytes:
        raise PayloadTooLarge(f"request body exceeds {settings.max_body_bytes} bytes")
    verify_signature(app_secret, body, request.headers.get("x-hub-signature-256"))
    events = _PARSERS[channel](body)
    summary = await accept_events(
        request.app.state.inbox_writer,
        channel,
        events,
        now=utcnow(),
        max_age=timedelta(seconds=settings.inbound_max_age_seconds),
    )
    return JSONResponse(
        {
            "status": "ok",
            "messages": summary.messages,
            "duplicates": summary.duplicates,
            "stale": summary.stale,
            "statuses": summary.statuses,
        },
        # After the response: the events are committed, the processor can take them.
        background=BackgroundTask(wake, request.app.state, INBOX_WORKER),
    )


@router.get("/whatsapp", response_class=PlainTextResponse)
async def whatsapp_verify(
    request: Request, mode: Mode = None, token: VerifyToken = None, challenge: Challenge = None
) -> PlainTextResponse:
    return _handshake(request, Channel.whatsapp, mode, token, challenge)


@router.post("/whatsapp")
async def whatsapp_receive(request: Request) -> JSONResponse:
    return await _receive(request, Channel.whatsapp)


@router.get("/messenger", response_class=PlainTextResponse)
async def messenger_verify(
    request: Request, mode: Mode = None, token: VerifyToken = None, challenge: Challenge = None
) -> PlainTextResponse:
    return _handshake(request, Channel.messenger, mode, token, challenge)


@router.post("/messenger")
async def messenger_receive(request: Request) -> JSONResponse:
    return await _receive(request, Channel.messenger)
