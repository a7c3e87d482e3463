"""Fetching a media message's file from its platform, for agents (``GET /api/v1/media``).

WhatsApp keeps media behind two calls: ``GET {graph base}/{media id}`` answers the file's
short-lived ``url`` (and size), which is then fetched with the same access token.
Messenger and Instagram put a CDN URL in the webhook itself. Either way the file is streamed
to the agent with its content type, never stored here, and capped at
``ROUTER_MEDIA_MAX_BYTES``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.conversations.models import Message
from app.errors import AppError, NotFound, PayloadTooLarge
from app.types import Channel

logger = logging.getLogger("app.channels")
CHUNK_BYTES = 64 * 1024


class MediaNotFound(NotFound):
    code = "media_not_found"


class MediaTooLarge(PayloadTooLarge):
    code = "media_too_large"


class PlatformUnavailable(AppError):
    status_code = 502
    code = "platform_error"


@dataclass(frozen=True)
class MediaFile:
    """An open download: its headers are read, its body is not yet."""

    response: httpx.Response
    content_type: str
    filename: str | None
    first: bytes  # what was read ahead to check the size (the whole file if it is small)

    async def body(self) -> AsyncIterator[bytes]:
        try:
            if self.first:
                yield self.first
            async for chunk in self.response.aiter_bytes(CHUNK_BYTES):
                yield chunk
        finally:
            await self.response.aclose()


def _token(settings: Settings, channel: str) -> str | None:
    secret = None
    if channel == Channel.whatsapp:
        secret = settings.whatsapp_access_token
    return secret.get_secret_value() if secret is not None else None


async def _whatsapp_url(
    client: httpx.AsyncClient, settings: Settings, media_id: str, token: str
) -> str:
    """The file's download URL, from the media id (one Graph API call)."""
    url = f"{settings.graph_api_base.rstrip('/')}/{media_id}"
    try:
        response = await client.get(url, headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        raise PlatformUnavailable(f"the platform is unreachable ({type(exc).__name__})") from exc
    info = response.json() if response.is_success else None
    if not isinstance(info, dict) or not isinstance(info.get("url"), str):
        raise PlatformUnavailable(
            f"the platform did not give the media (HTTP {response.status_code})"
        )
    size = info.get("file_size")
    if isinstance(size, int) and size > settings.media_max_bytes:
        raise MediaTooLarge(f"the file has {size} bytes, more than {settings.media_max_bytes}")
    return str(info["url"])


async def open_media(
    session: AsyncSession, client: httpx.AsyncClient, settings: Settings, *, message_id: int
) -> MediaFile:
    """Start the download of message ``message_id``'s file; the caller streams ``body()``."""
    message = await session.get(Message, message_id)
    if message is None or (message.media_id is None and message.media_url is None):
        raise MediaNotFound(f"message {message_id} has no media")
    headers: dict[str, str] = {}
    url = message.media_url
    if message.channel == Channel.whatsapp and message.media_id is not None:
        token = _token(settings, message.channel)
        if token is None:
            raise PlatformUnavailable("ROUTER_WHATSAPP_ACCESS_TOKEN is not set")
        headers["Authorization"] = f"Bearer {token}"
        url = await _whatsapp_url(client, settings, message.media_id, token)
    assert url is not None
    try:
        response = await client.send(client.build_request("GET", url, headers=headers), stream=True)
    except httpx.HTTPError as exc:
        raise PlatformUnavailable(f"the platform is unreachable ({type(exc).__name__})") from exc
    try:
        return await _checked(response, message, settings.media_max_bytes)
    except BaseException:
        await response.aclose()
        raise


async def _checked(response: httpx.Response, message: Message, limit: int) -> MediaFile:
    if not response.is_success:
        raise PlatformUnavailable(f"the platform answered HTTP {response.status_code}")
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise MediaTooLarge(f"the file has {declared} bytes, more than {limit}")
    first = b""
    if declared is None or not declared.isdigit():
        # No size announced: read up to the cap before answering, so that an oversized file
        # is a clean 413 rather than a cut-off download.
        async for chunk in response.aiter_bytes(CHUNK_BYTES):
            first += chunk
            if len(first) > limit:
                raise MediaTooLarge(f"the file is larger than {limit} bytes")
    content_type = response.headers.get("content-type") or message.media_mime_type
    return MediaFile(
        response=response,
        content_type=content_type or "application/octet-stream",
        filename=message.media_filename,
        first=first,
    )
