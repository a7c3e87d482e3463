"""Webhook bodies for every kind of content, written from Meta's documentation (WhatsApp
Cloud API message types, Messenger Platform and Instagram Messaging webhook events); our own
values. Timestamps are "now" so the messages are fresh."""

from __future__ import annotations

import time
from typing import Any

WA_NUMBER_ID = "109876543210987"
PAGE_ID = "112233445566778"
IG_ACCOUNT_ID = "17841400000000777"


def wa_message(
    kind: str,
    fields: dict[str, Any] | None = None,
    *,
    wamid: str,
    wa_id: str = "6281100002",
    **content: Any,
) -> dict[str, Any]:
    """One WhatsApp message of ``kind`` (``image={...}``, ``order={...}``...)."""
    message = {"from": wa_id, "id": wamid, "timestamp": str(int(time.time())), "type": kind}
    return wa_value({"messages": [{**message, **(fields or {}), **content}]}, wa_id=wa_id)


def escalate_press(*, wamid: str, wa_id: str = "6281100002") -> dict[str, Any]:
    """The customer tapped our "Butuh bantuan lanjut" reply button."""
    reply = {"type": "button_reply", "button_reply": {"id": "escalate", "title": "Butuh bantuan"}}
    return wa_message("interactive", wamid=wamid, wa_id=wa_id, interactive=reply)


def wa_value(value: dict[str, Any], *, wa_id: str, field: str = "messages") -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "waba-1",
                "changes": [
                    {
                        "field": field,
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550001",
                                "phone_number_id": WA_NUMBER_ID,
                            },
                            "contacts": [{"profile": {"name": "Dewi"}, "wa_id": wa_id}],
                            **value,
                        },
                    }
                ],
            }
        ],
    }


def wa_business_app_echo(text: str, *, wamid: str, wa_id: str = "6281100002") -> dict[str, Any]:
    """``smb_message_echoes``: the business wrote from the WhatsApp Business app."""
    echo = {
        "from": "15550001",
        "to": wa_id,
        "id": wamid,
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": text},
    }
    return wa_value({"message_echoes": [echo]}, wa_id=wa_id, field="smb_message_echoes")


def meta_event(
    event: dict[str, Any], *, obj: str = "page", account: str = PAGE_ID
) -> dict[str, Any]:
    """One Messenger (``page``) or Instagram (``instagram``) messaging event in its envelope."""
    now_ms = int(time.time() * 1000)
    return {
        "object": obj,
        "entry": [{"id": account, "time": now_ms, "messaging": [{"timestamp": now_ms, **event}]}],
    }


def customer_message(
    message: dict[str, Any], *, psid: str = "psid-20", obj: str = "page", account: str = PAGE_ID
) -> dict[str, Any]:
    event = {"sender": {"id": psid}, "recipient": {"id": account}, "message": message}
    return meta_event(event, obj=obj, account=account)


def attachment(kind: str, mid: str, **payload: Any) -> dict[str, Any]:
    return {"mid": mid, "attachments": [{"type": kind, "payload": payload}]}


def page_echo(
    text: str,
    *,
    mid: str,
    app_id: int,
    psid: str = "psid-20",
    obj: str = "page",
    account: str = PAGE_ID,
) -> dict[str, Any]:
    """A message the page sent (``message_echoes``): sender and recipient swapped."""
    event = {
        "sender": {"id": account},
        "recipient": {"id": psid},
        "message": {"mid": mid, "is_echo": True, "app_id": app_id, "text": text},
    }
    return meta_event(event, obj=obj, account=account)
