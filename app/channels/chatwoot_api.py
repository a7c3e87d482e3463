"""One call to Chatwoot's application API (as the agent bot) for the outbox.

Transient (retry later): network errors, 429 and 5xx. Anything else is permanent: a wrong
token (401), a conversation that no longer exists (404), a body Chatwoot refuses (422).
"""

from __future__ import annotations

from typing import Any

import httpx

from app.config import Settings
from app.outbox.graph_api import SendResult


async def send_chatwoot(
    client: httpx.AsyncClient, settings: Settings, payload: dict[str, Any]
) -> SendResult:
    if not settings.chatwoot_url or settings.chatwoot_bot_token is None:
        return SendResult("failed", error="ROUTER_CHATWOOT_URL / ROUTER_CHATWOOT_BOT_TOKEN not set")
    url = settings.chatwoot_url.rstrip("/") + payload["path"]
    try:
        response = await client.post(
            url,
            json=payload["body"],
            headers={"api_access_token": settings.chatwoot_bot_token.get_secret_value()},
            timeout=settings.graph_api_timeout_seconds,
        )
    except httpx.HTTPError as exc:
        return SendResult("retry", error=f"network error: {type(exc).__name__}")
    if response.is_success:
        try:
            body = response.json()
        except ValueError:
            body = None
        found = body.get("id") if isinstance(body, dict) else None
        return SendResult("sent", platform_message_id=str(found) if found is not None else None)
    error = f"Chatwoot answered HTTP {response.status_code}: {response.text[:300]}"
    if response.status_code == 429 or response.status_code >= 500:
        return SendResult("retry", error=error)
    return SendResult("failed", error=error)
