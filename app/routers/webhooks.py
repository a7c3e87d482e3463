"""WhatsApp Cloud API, Messenger Platform and Instagram Messaging webhooks.

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
from app.channels.messenger_inbound import channel_of, parse_messenger
from app.channels.signature import verify_handshake, verify_signature
from app.channels.whatsapp_inbound import parse_whatsapp
from app.config import Settings
from app.db import utcnow
from app.errors import AppError, NotFound, PayloadTooLarge
from app.json_body import JSONRoute
from app.types import Channel
from app.wakeups import INBOX_WORKER
from app.workers import wake

router = APIRouter(prefix="/webhooks", tags=["webhooks"], route_class=JSONRoute)

Mode = Annotated[str | None, Query(alias="hub.mode")]
VerifyToken = Annotated[str | None, Query(alias="hub.verify_token")]
Challenge = Annotated[str | None, Query(alias="hub.challenge")]

_PARSERS: dict[Channel, Callable[[bytes, Settings], WebhookEvents]] = {
    Channel.whatsapp: lambda body, _settings: parse_whatsapp(body),
    Channel.messenger: lambda body, settings: parse_messenger(
        body, own_app_ids=settings.own_meta_app_ids
    ),
    Channel.instagram: lambda body, settings: parse_messenger(
        body, channel=Channel.instagram, own_app_ids=settings.own_meta_app_ids
    ),
}


def _secrets(settings: Settings, channel: Channel) -> tuple[str, str]:
    """(verify token, app secret); 404 until the channel is fully configured."""
    if channel == Channel.whatsapp:
        verify, secret = settings.whatsapp_verify_token, settings.whatsapp_app_secret
        sending = settings.whatsapp_access_token is not None
    elif channel == Channel.instagram:
        verify, secret = settings.instagram_verify_token, settings.instagram_app_secret
        sending = settings.instagram_access_token is not None
    else:
        verify, secret = settings.messenger_verify_token, settings.messenger_app_secret
        sending = bool(settings.messenger_page_access_token or settings.messenger_page_tokens)
    if verify is None or secret is None or not sending:
        raise NotFound(
            f"the {channel.value} channel is not configured", code="channel_not_configured"
        )
    return verify.get_secret_value(), secret.get_secret_value()


def _configured(settings: Settings, channel: Channel) -> bool:
    try:
        _secrets(settings, channel)
    except NotFound:
        return False
    return True


def _handshake(
    request: Request, channel: Channel, mode: str | None, token: str | None, challenge: str | None
) -> PlainTextResponse:
    verify_token, _ = _secrets(request.app.state.settings, channel)
    return PlainTextResponse(
        verify_handshake(verify_token, mode=mode, token=token, challenge=challenge)
    )


def _instagram_on_messenger_url(settings: Settings, body: bytes, signature: str | None) -> bool:
    """One callback URL may serve both products: an ``instagram`` body at the Messenger URL,
    signed with either app's secret, is Instagram's."""
    if channel_of(body) != Channel.instagram:
        return False
    try:
        _, secret = _secrets(settings, Channel.instagram)
    except NotFound:
        return False
    verify_signature(secret, body, signature)
    return True


async def _receive(request: Request, channel: Channel) -> JSONResponse:
    settings: Settings = request.app.state.settings
    _, app_secret = _secrets(settings, channel)
    body = await request.body()
    if len(body) > settings.max_body_bytes:
        raise PayloadTooLarge(f"request body exceeds {settings.max_body_bytes} bytes")
    signature = request.headers.get("x-hub-signature-256")
    if channel == Channel.messenger and channel_of(body) == Channel.instagram:
        try:
            verify_signature(app_secret, body, signature)
        except AppError:
            if not _instagram_on_messenger_url(settings, body, signature):
                raise
        # Never a 4xx (Meta would retry, then disable the webhook): handled as Instagram
        # when that channel is configured, acknowledged and dropped when it is not.
        channel = Channel.instagram
        if not _configured(settings, channel):
            return JSONResponse({"status": "ok", "messages": 0, "ignored": "instagram"})
    else:
        verify_signature(app_secret, body, signature)
    events = _PARSERS[channel](body, settings)
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


@router.get("/instagram", response_class=PlainTextResponse)
async def instagram_verify(
    request: Request, mode: Mode = None, token: VerifyToken = None, challenge: Challenge = None
) -> PlainTextResponse:
    return _handshake(request, Channel.instagram, mode, token, challenge)


@router.post("/instagram")
async def instagram_receive(request: Request) -> JSONResponse:
    return await _receive(request, Channel.instagram)
