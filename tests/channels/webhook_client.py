"""Posting signed webhooks the way Meta does."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.inbox.models import InboxItem
from tests.fakes.fixtures import IG_SECRET, MS_SECRET, WA_SECRET, sign


async def _post_signed(
    client: httpx.AsyncClient, path: str, body: bytes | dict[str, Any], secret: str
) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post(
        path,
        content=raw,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(secret, raw)},
    )


async def post_whatsapp(
    client: httpx.AsyncClient, body: bytes | dict[str, Any], *, secret: str = WA_SECRET
) -> httpx.Response:
    return await _post_signed(client, "/webhooks/whatsapp", body, secret)


async def post_messenger(
    client: httpx.AsyncClient, body: bytes | dict[str, Any], *, secret: str = MS_SECRET
) -> httpx.Response:
    return await _post_signed(client, "/webhooks/messenger", body, secret)


async def post_instagram(
    client: httpx.AsyncClient, body: bytes | dict[str, Any], *, secret: str = IG_SECRET
) -> httpx.Response:
    return await _post_signed(client, "/webhooks/instagram", body, secret)


def _wa_envelope(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "waba-1", "changes": [{"field": "messages", "value": value}]}],
    }


def wa_text(
    text: str,
    *,
    wamid: str,
    wa_id: str = "6281100001",
    name: str = "Sari",
    phone_number_id: str = "109876543210987",
    timestamp: int | None = None,
) -> dict[str, Any]:
    return _wa_envelope(
        {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001", "phone_number_id": phone_number_id},
            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": wamid,
                    "timestamp": str(timestamp or int(time.time())),
                    "type": "text",
                    "text": {"body": text},
                }
            ],
        }
    )


def wa_status(wamid: str, status: str, *, error_code: int | None = None) -> dict[str, Any]:
    report: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": "1760000042",
        "recipient_id": "6281100001",
    }
    if error_code is not None:
        report["errors"] = [{"code": error_code, "title": "Undeliverable", "message": "x"}]
    return _wa_envelope(
        {
            "messaging_product": "whatsapp",
            "metadata": {"phone_number_id": "109876543210987"},
            "statuses": [report],
        }
    )


def ms_text(
    text: str, *, mid: str, psid: str = "psid-1", page: str = "112233445566778"
) -> dict[str, Any]:
    now_ms = int(time.time() * 1000)
    return {
        "object": "page",
        "entry": [
            {
                "id": page,
                "time": now_ms,
                "messaging": [
                    {
                        "sender": {"id": psid},
                        "recipient": {"id": page},
                        "timestamp": now_ms,
                        "message": {"mid": mid, "text": text},
                    }
                ],
            }
        ],
    }


async def pending_events(session: AsyncSession) -> int:
    """Webhook events stored but not handled yet."""
    count = await session.scalar(
        select(func.count()).select_from(InboxItem).where(InboxItem.processed_at.is_(None))
    )
    await session.commit()
    return int(count or 0)
