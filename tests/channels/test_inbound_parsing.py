"""Platform payloads -> InboundMessages (pure parsing, fixtures and our own payloads)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from app.channels.events import InvalidPayload
from app.channels.messenger_inbound import parse_messenger
from app.channels.whatsapp_inbound import parse_whatsapp
from app.types import Channel
from tests.fakes.fixtures import fixture_bytes, fixture_json


def wa_payload(*messages: dict[str, Any], phone_number_id: str = "109876543210987") -> bytes:
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "waba",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {"phone_number_id": phone_number_id},
                                "contacts": [{"profile": {"name": "Sari"}, "wa_id": "62811"}],
                                "messages": list(messages),
                                "brand_new_field": {"x": 1},
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


def wa_message(kind: str, **body: Any) -> dict[str, Any]:
    return {"from": "62811", "id": f"wamid.{kind}", "timestamp": "1760000000", "type": kind, **body}


def test_whatsapp_text_fixture() -> None:
    events = parse_whatsapp(fixture_bytes("wa_text.json"))
    (message,) = events.messages
    assert message.channel == Channel.whatsapp
    assert message.external_id == "447700900123"
    assert message.text == "Hi, is my order #4471 shipped yet?"
    assert message.platform_message_id.startswith("wamid.")  # type: ignore[union-attr]
    assert message.account_id == "109876543210987"
    assert message.display_name == "Priya Shah"
    assert message.sent_at == datetime.fromtimestamp(1760000000, UTC)
    assert message.action is None
    assert message.unsupported_type is None


def test_whatsapp_button_reply_fixture() -> None:
    (message,) = parse_whatsapp(fixture_bytes("wa_button_reply.json")).messages
    assert message.action == "order:4471:track"
    assert message.text == "Track order"


def test_whatsapp_list_reply_template_button_and_media() -> None:
    events = parse_whatsapp(
        wa_payload(
            wa_message(
                "interactive",
                interactive={
                    "type": "list_reply",
                    "list_reply": {"id": "article:refund", "title": "Refund", "description": "d"},
                },
            ),
            wa_message("button", button={"payload": "escalate", "text": "Bantuan"}),
            wa_message("image", image={"id": "media-1", "mime_type": "image/jpeg"}),
            wa_message("location", location={"latitude": 1.0, "longitude": 2.0}),
            wa_message("reaction", reaction={"message_id": "wamid.x", "emoji": "👍"}),
            wa_message("text", text={"body": "   "}),
        )
    )
    kinds = [(m.action, m.kind) for m in events.messages]
    assert kinds == [
        ("article:refund", "text"),
        ("escalate", "text"),
        (None, "image"),
        (None, "location"),
        (None, "other"),  # an empty text is nothing to answer: ask to type
    ]
    assert (events.messages[2].media_id, events.messages[2].media_mime_type) == (
        "media-1",
        "image/jpeg",
    )
    assert (events.messages[3].latitude, events.messages[3].longitude) == (1.0, 2.0)
    assert events.ignored == 1  # the reaction


def test_whatsapp_statuses() -> None:
    (delivered,) = parse_whatsapp(fixture_bytes("wa_status_delivered.json")).statuses
    assert delivered.status == "delivered"
    assert delivered.error is None
    events = parse_whatsapp(fixture_bytes("wa_status_failed.json"))
    (failed,) = events.statuses
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error.startswith("131047 Re-engagement message: Message failed to send")
    assert events.messages == []


def test_whatsapp_many_entries_and_changes_in_one_post() -> None:
    data = fixture_json("wa_text.json")
    second_entry = json.loads(json.dumps(data["entry"][0]))
    second_entry["changes"][0]["value"]["messages"][0]["id"] = "wamid.second"
    second_entry["changes"][0]["value"]["metadata"]["phone_number_id"] = "other-number"
    data["entry"].append(second_entry)
    data["entry"][0]["changes"].append(
        json.loads(fixture_bytes("wa_status_delivered.json"))["entry"][0]["changes"][0]
    )
    events = parse_whatsapp(json.dumps(data).encode())
    assert [m.account_id for m in events.messages] == ["109876543210987", "other-number"]
    assert len(events.statuses) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"object": "page", "entry": []}',
        b'{"object": "whatsapp_business_account"}',
    ],
)
def test_whatsapp_rejects_other_bodies(body: bytes) -> None:
    with pytest.raises(InvalidPayload):
        parse_whatsapp(body)


def test_messenger_fixtures() -> None:
    (text,) = parse_messenger(fixture_bytes("messenger_text.json")).messages
    assert (text.external_id, text.text, text.account_id) == (
        "7012345678901234",
        "Do you ship to Canada?",
        "112233445566778",
    )
    assert text.sent_at == datetime.fromtimestamp(1760000001.001, UTC)
    (quick,) = parse_messenger(fixture_bytes("messenger_quick_reply.json")).messages
    assert (quick.action, quick.text) == ("SHIP_CONFIRM_4471", "Yes, ship it")
    (postback,) = parse_messenger(fixture_bytes("messenger_postback.json")).messages
    assert (postback.action, postback.text) == ("HANDOFF_HUMAN", "Talk to an agent")
    assert postback.platform_message_id == "m_Q2hhdEZpeHR1cmVQb3N0YmFjazAwMDNfb3VyX293bg"
    echo = parse_messenger(fixture_bytes("messenger_echo.json"))
    assert echo.messages == []
    assert echo.ignored == 1


def test_messenger_attachment_only_is_unsupported_and_batches_are_kept_in_order() -> None:
    data = fixture_json("messenger_text.json")
    events = data["entry"][0]["messaging"]
    events.append(
        {
            "sender": {"id": "7012345678901234"},
            "recipient": {"id": "112233445566778"},
            "timestamp": 1760000002000,
            "message": {"mid": "m_att", "attachments": [{"type": "image", "payload": {}}]},
        }
    )
    events.append({"sender": {"id": "1"}, "recipient": {"id": "2"}, "read": {"watermark": 1}})
    parsed = parse_messenger(json.dumps(data).encode())
    assert [m.platform_message_id for m in parsed.messages] == [
        "m_Q2hhdEZpeHR1cmVNZXNzYWdlMDAwMV9vdXJfb3du",
        "m_att",
    ]
    assert parsed.messages[1].kind == "image"
    assert parsed.ignored == 1


def test_messenger_rejects_whatsapp_bodies() -> None:
    with pytest.raises(InvalidPayload):
        parse_messenger(fixture_bytes("wa_text.json"))
