"""The survey questions on each platform, within its limits."""

from __future__ import annotations

from app.channels.chatwoot_render import render_chatwoot
from app.channels.messenger_render import render_messenger
from app.channels.whatsapp_render import render_whatsapp
from app.surveys.questions import question


def _rows(payload: dict[str, object]) -> list[str]:
    interactive = payload["interactive"]
    assert isinstance(interactive, dict)
    assert interactive["type"] == "list"
    [section] = interactive["action"]["sections"]
    return [row["id"] for row in section["rows"]]


def test_whatsapp_nps_is_two_lists_holding_all_eleven_answers() -> None:
    payloads = render_whatsapp("62812", question("nps", "id"))
    assert len(payloads) == 2
    first, second = (_rows(p) for p in payloads)
    assert first == [f"nps:{n}" for n in range(10, 4, -1)]
    assert second == [f"nps:{n}" for n in range(4, -1, -1)]
    assert "0 (tidak mungkin)" in payloads[0]["interactive"]["body"]["text"]
    assert payloads[1]["interactive"]["body"]["text"] == "4 - 0"


def test_whatsapp_ces_is_one_list() -> None:
    [payload] = render_whatsapp("62812", question("ces", "id"))
    assert _rows(payload) == [f"ces:{n}" for n in range(7, 0, -1)]


def test_messenger_quick_replies_hold_every_nps_answer() -> None:
    [payload] = render_messenger("psid", question("nps", "en"))
    replies = payload["message"]["quick_replies"]
    assert [r["payload"] for r in replies] == [f"nps:{n}" for n in range(10, -1, -1)]


def test_chatwoot_input_select() -> None:
    [call] = render_chatwoot("1:2:3", question("ces", "id"))
    items = call["body"]["content_attributes"]["items"]
    assert [i["value"] for i in items] == [f"ces:{n}" for n in range(7, 0, -1)]
    assert all(len(i["title"]) <= 20 for i in items)
