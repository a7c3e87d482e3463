"""JSON schemas for the bodies the OpenAPI document cannot describe (routes that read the raw
request): the KB import and the two platform webhooks, after Meta's documented formats."""

from __future__ import annotations

from typing import Any

STR: dict[str, Any] = {"type": "string", "maxLength": 40}


def obj(required: list[str] | None = None, **properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or []}


def array(items: dict[str, Any], max_items: int = 2) -> dict[str, Any]:
    return {"type": "array", "items": items, "maxItems": max_items}


def import_body(article_ref: str) -> dict[str, Any]:
    return obj(
        ["articles"],
        mode={"type": "string", "enum": ["upsert", "replace"]},
        articles=array({"$ref": article_ref}, 5),
    )


_WA_MESSAGE = obj(
    ["from", "id", "type"],
    **{
        "from": STR,
        "id": STR,
        "timestamp": STR,
        "type": {"type": "string", "enum": ["text", "interactive", "button", "image", "system"]},
        "text": obj(body=STR),
        "interactive": obj(
            type=STR,
            button_reply=obj(["id"], id=STR, title=STR),
            list_reply=obj(["id"], id=STR, title=STR),
        ),
        "button": obj(payload=STR, text=STR),
    },
)
_WA_VALUE = obj(
    messaging_product={"const": "whatsapp"},
    metadata=obj(phone_number_id=STR),
    contacts=array(obj(wa_id=STR, profile=obj(name=STR))),
    messages=array(_WA_MESSAGE),
    statuses=array(obj(["id", "status"], id=STR, status=STR)),
)
WHATSAPP_WEBHOOK = obj(
    ["object", "entry"],
    object={"const": "whatsapp_business_account"},
    entry=array(obj(id=STR, changes=array(obj(field={"const": "messages"}, value=_WA_VALUE)))),
)

_MS_EVENT = obj(
    ["sender", "recipient"],
    sender=obj(["id"], id=STR),
    recipient=obj(["id"], id=STR),
    timestamp={"type": "integer"},
    message=obj(mid=STR, text=STR, is_echo={"type": "boolean"}, quick_reply=obj(payload=STR)),
    postback=obj(payload=STR, title=STR, mid=STR),
)
# Chatwoot's Agent Bot events (message_created / message_updated / conversation notices).
CHATWOOT_WEBHOOK = obj(
    ["event"],
    event={"enum": ["message_created", "message_updated", "conversation_resolved"]},
    id={"type": "integer"},
    content=STR,
    message_type={"enum": ["incoming", "outgoing", "activity"]},
    private={"type": "boolean"},
    sender=obj(type={"enum": ["contact", "user", "agent_bot"]}, name=STR),
    conversation=obj(id={"type": "integer"}, status={"enum": ["pending", "open"]}),
    account=obj(id={"type": "integer"}),
    content_attributes=obj(submitted_values=array(obj(value=STR, title=STR))),
)
# Event subscriptions the address check lets through (a literal public address: no DNS).
EVENT_SUBSCRIPTION = obj(
    ["url", "events", "secret"],
    url={"enum": ["https://93.184.215.14/hook", "http://93.184.215.14:8080/x"]},
    events=array({"enum": ["handoff.created", "csat.received"]}, 2),
    secret={"type": "string", "minLength": 8, "maxLength": 40},
)
MESSENGER_WEBHOOK = obj(
    ["object", "entry"],
    object={"const": "page"},
    entry=array(obj(id=STR, time={"type": "integer"}, messaging=array(_MS_EVENT))),
)
INSTAGRAM_WEBHOOK = {
    **MESSENGER_WEBHOOK,
    "properties": {**MESSENGER_WEBHOOK["properties"], "object": {"const": "instagram"}},
}

# A web chat message: exactly one of text or action (a rule the OpenAPI document cannot
# state), optionally with the help center's context.
_HELP_CONTEXT = {
    "type": "object",
    "properties": {
        "articles": array({"type": "string", "pattern": "^[a-z0-9]{1,20}$"}, 3),
        "search": STR,
    },
    "additionalProperties": False,
}
WEBCHAT_MESSAGE = {
    "oneOf": [
        {
            "type": "object",
            "required": ["text"],
            "properties": {"text": {**STR, "pattern": "^[a-z]{1,20}$"}, "context": _HELP_CONTEXT},
            "additionalProperties": False,
        },
        {
            "type": "object",
            "required": ["action"],
            "properties": {
                "action": {"enum": ["escalate", "helpful_yes", "helpful_no"]},
                "context": _HELP_CONTEXT,
            },
            "additionalProperties": False,
        },
    ]
}
