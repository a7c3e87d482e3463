"""Chatwoot payloads -> what reaches the engine (pure parsing, no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.channels.chatwoot_inbound import ChatwootEvents, parse_chatwoot
from app.channels.events import InvalidPayload
from tests.channels.chatwoot_payloads import message, notice, pressed


def _parse(body: dict[str, object]) -> ChatwootEvents:
    return parse_chatwoot(json.dumps(body).encode())


def test_a_customer_message_becomes_an_inbound_message() -> None:
    body = message("halo kak", conversation_id=12, message_id=777)
    body["created_at"] = "2026-12-01T09:30:00.123Z"
    [inbound] = _parse(body).messages
    assert (inbound.channel, inbound.external_id, inbound.account_id) == ("chatwoot", "1:12", "1")
    assert (inbound.text, inbound.platform_message_id) == ("halo kak", "777")
    assert inbound.display_name == "Sari"
    assert inbound.sent_at == datetime(2026, 12, 1, 9, 30, 0, 123000, tzinfo=UTC)


def test_an_attachment_without_text_asks_the_customer_to_type() -> None:
    body = message(None)
    body["attachments"] = [{"id": 1, "file_type": "image", "data_url": "https://x/y.png"}]
    [inbound] = _parse(body).messages
    assert (inbound.text, inbound.unsupported_type) == (None, "image")


def test_a_pressed_option_is_the_buttons_action_once() -> None:
    [inbound] = _parse(pressed("article:refund-dana", "Refund")).messages
    assert inbound.action == "article:refund-dana"
    assert inbound.platform_message_id is not None
    assert inbound.platform_message_id.endswith(":submitted")
    # An update of our message without a choice (delivery status, say) is nothing to answer.
    plain = pressed("x", "y")
    plain["content_attributes"] = {"items": [{"title": "y", "value": "x"}]}
    assert _parse(plain).ignored == 1


def test_notices() -> None:
    [resolved] = _parse(notice("conversation_resolved")).changes
    assert (resolved.external_id, resolved.change) == ("1:3", "resolved")
    [opened] = _parse(notice("conversation_opened")).changes
    assert opened.change == "opened"
    changed = notice("conversation_status_changed", status="snoozed")
    assert _parse(changed).ignored == 1


@pytest.mark.parametrize("bad_id", ["12abc", -4, True, None, "9" * 80])
def test_odd_ids_are_ignored_not_stored(bad_id: object) -> None:
    body = message("halo")
    body["id"] = bad_id
    assert _parse(body).ignored == 1


@pytest.mark.parametrize("raw", [b"[]", b'{"no_event": 1}', b"\xff", b"{"])
def test_not_an_event_is_400(raw: bytes) -> None:
    with pytest.raises(InvalidPayload):
        parse_chatwoot(raw)
