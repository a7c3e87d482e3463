"""``GET /api/v1/media/{message_id}``: a media message's file, for agents and admins."""

from __future__ import annotations

from urllib.parse import quote

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from app.auth import PrincipalDep
from app.channels.media import open_media
from app.db import SessionDep
from app.json_body import JSONRoute
from app.security_params import PathId

router = APIRouter(prefix="/api/v1/media", tags=["media"], route_class=JSONRoute)


@router.get("/{message_id}", response_class=StreamingResponse)
async def get_media(
    request: Request, message_id: PathId, _principal: PrincipalDep, session: SessionDep
) -> StreamingResponse:
    settings = request.app.state.settings
    # Its own client: a long download must not hold a connection the outbox sends through.
    client = httpx.AsyncClient(timeout=settings.graph_api_timeout_seconds, follow_redirects=True)
    try:
        media = await open_media(session, client, settings, message_id=message_id)
    except BaseException:
        await client.aclose()
        raise
    headers = {
        # Customers' files are shown, never run: no sniffing, no scripts.
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
        "Cache-Control": "private, no-store",
    }
    if media.filename:
        headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(media.filename)}"
    return StreamingResponse(
        media.body(),
        media_type=media.content_type,
        headers=headers,
        background=BackgroundTask(client.aclose),
    )
