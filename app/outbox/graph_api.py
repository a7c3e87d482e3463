"""One delivery to the Meta Graph API and what its answer means for the outbox.

Transient (retry later): network errors, HTTP 429 and 5xx, and Meta's throttling codes.
Permanent (fail now, with the platform's reason): everything else, notably 131047 (the
WhatsApp 24-hour window has closed) and 131026 (undeliverable).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from app.config import Settings
from app.types import Channel

logger = logging.getLogger("app.outbox")

# 130429 throughput, 131056 per-recipient pair rate, 80007 WABA rate, 4 / 613 app call limits,
# 2 "temporary service error".
THROTTLING_CODES = frozenset({2, 4, 613, 80007, 130429, 131056})
WINDOW_CLOSED_CODE = 131047
WINDOW_CLOSED_PREFIX = "window_closed"


@dataclass(frozen=True)
class SendResult:
    kind: Literal["sent", "retry", "failed"]
    platform_message_id: str | None = None
    error: str | None = None
    retry_after_seconds: float | None = None


def endpoint(settings: Settings, channel: str, account_id: str | None) -> tuple[str, str] | str:
    """``(url, token)`` for a delivery, or a string saying why it cannot be sent."""
    base = settings.graph_api_base.rstrip("/")
    if channel == Channel.whatsapp:
        if settings.whatsapp_access_token is None:
            return "ROUTER_WHATSAPP_ACCESS_TOKEN is not set"
        if not account_id:
            return "no WhatsApp phone_number_id to send from"
        return f"{base}/{account_id}/messages", settings.whatsapp_access_token.get_secret_value()
    if channel == Channel.messenger:
        token = settings.messenger_page_tokens.get(account_id or "")
        token = token or settings.messenger_page_access_token
        if token is None:
            return f"no page access token configured for page {account_id!r}"
        return f"{base}/me/messages", token.get_secret_value()
    if channel == Channel.instagram:
        if settings.instagram_access_token is None:
            return "ROUTER_INSTAGRAM_ACCESS_TOKEN is not set"
        return f"{base}/me/messages", settings.instagram_access_token.get_secret_value()
    return f"channel {channel!r} is not delivered through the Graph API"


def _error_text(status: int, body: Any) -> tuple[int | None, str]:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, f"HTTP {status}"
    code = error.get("code")
    message = str(error.get("message") or "").strip()
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    text = f"{code} {message}" if code is not None else message or f"HTTP {status}"
    if details:
        text = f"{text}: {details}"
    if code == WINDOW_CLOSED_CODE:
        text = f"{WINDOW_CLOSED_PREFIX}: the customer's last message is older than 24 hours; {text}"
    return (code if isinstance(code, int) else None), text[:2000]


def _message_id(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    messages = body.get("messages")  # WhatsApp
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        value = messages[0].get("id")
        return str(value) if value else None
    value = body.get("message_id")  # Messenger
    return str(value) if value else None


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["retry-after"])
    except (KeyError, ValueError):
        return None


def classify(response: httpx.Response) -> SendResult:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.is_success:
        return SendResult("sent", platform_message_id=_message_id(body))
    code, text = _error_text(response.status_code, body)
    if response.status_code == 429 or response.status_code >= 500 or code in THROTTLING_CODES:
        return SendResult("retry", error=text, retry_after_seconds=_retry_after(response))
    return SendResult("failed", error=text)


async def send(
    client: httpx.AsyncClient,
    settings: Settings,
    *,
    channel: str,
    account_id: str | None,
    payload: dict[str, Any],
) -> SendResult:
    target = endpoint(settings, channel, account_id)
    if isinstance(target, str):
        return SendResult("failed", error=target)
    url, token = target
    try:
        response = await client.post(
            url,
            json=payload,
            headers={"Authorization": f"Bearer {token}"},
            timeout=settings.graph_api_timeout_seconds,
        )
    except httpx.HTTPError as exc:
        logger.warning("graph api unreachable: %s", type(exc).__name__)
        return SendResult("retry", error=f"network error: {type(exc).__name__}")
    return classify(response)
