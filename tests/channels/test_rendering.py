"""Renderers keep every platform limit, whatever the reply looks like."""

from __future__ import annotations

import random

import pytest

from app.bot.types import Button, Reply
from app.channels.rendering import render_reply
from app.channels.text import fit_label, split_text, split_with_tail, unique_labels
from app.types import Channel

ESCALATE = Button("escalate", "Butuh Bantuan Lebih Lanjut")
FEEDBACK = (Button("helpful_yes", "Ya, terjawab"), Button("helpful_no", "Tidak membantu"), ESCALATE)
WORDS = (
    "pesanan paket refund akun kata sandi pengiriman pembayaran transfer https://x.test/a".split()
)


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _suggestions(n: int) -> tuple[Button, ...]:
    return tuple(
        Button(f"article:artikel-{i}", f"Bagaimana cara mengajukan pengembalian dana nomor {i}?")
        for i in range(n)
    )


def test_escalate_label_is_fitted_and_keeps_its_id() -> None:
    (payload,) = render_reply(Channel.whatsapp, "62811", Reply("Jawaban.", FEEDBACK))
    buttons = payload["interactive"]["action"]["buttons"]
    assert payload["interactive"]["type"] == "button"
    assert [b["reply"]["id"] for b in buttons] == ["helpful_yes", "helpful_no", "escalate"]
    assert buttons[2]["reply"]["title"] == "Butuh bantuan lanjut"
    (messenger,) = render_reply(Channel.messenger, "psid", Reply("Jawaban.", FEEDBACK))
    quick = messenger["message"]["quick_replies"]
    assert quick[2] == {
        "content_type": "text",
        "title": "Butuh bantuan lanjut",
        "payload": "escalate",
    }


def test_whatsapp_suggestions_become_a_list_with_the_full_question_as_description() -> None:
    reply = Reply("Mungkin maksud Kakak:", (*_suggestions(3), ESCALATE))
    (payload,) = render_reply(Channel.whatsapp, "62811", reply)
    interactive = payload["interactive"]
    assert interactive["type"] == "list"
    assert len(interactive["action"]["button"]) <= 20
    (section,) = interactive["action"]["sections"]
    assert len(section["title"]) <= 24
    rows = section["rows"]
    assert [r["id"] for r in rows] == [*(f"article:artikel-{i}" for i in range(3)), "escalate"]
    assert all(len(r["title"]) <= 24 for r in rows)
    assert rows[0]["description"].startswith("Bagaimana cara mengajukan")
    assert all(len(r.get("description", "")) <= 72 for r in rows)


def test_whatsapp_list_keeps_escalate_when_there_are_too_many_rows() -> None:
    reply = Reply("Pilih:", (*_suggestions(12), ESCALATE))
    (payload,) = render_reply(Channel.whatsapp, "62811", reply)
    rows = payload["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows) == 10
    assert rows[-1]["id"] == "escalate"
    assert len({r["title"] for r in rows}) == 10


def test_more_than_three_plain_buttons_become_a_list() -> None:
    buttons = tuple(Button(f"b{i}", f"Pilihan {i}") for i in range(4))
    (payload,) = render_reply(Channel.whatsapp, "62811", Reply("Pilih:", buttons))
    assert payload["interactive"]["type"] == "list"


def test_messenger_has_at_most_13_quick_replies_and_keeps_escalate() -> None:
    reply = Reply("Pilih:", (*_suggestions(20), ESCALATE))
    (payload,) = render_reply(Channel.messenger, "psid", reply)
    quick = payload["message"]["quick_replies"]
    assert len(quick) == 13
    assert quick[-1]["payload"] == "escalate"
    assert all(len(q["title"]) <= 20 for q in quick)
    assert len({q["title"] for q in quick}) == 13


def test_button_titles_are_unique_after_fitting() -> None:
    same = (Button("a", "Cara mengajukan refund A"), Button("b", "Cara mengajukan refund B"))
    (payload,) = render_reply(Channel.whatsapp, "62811", Reply("?", same))
    assert payload["interactive"]["type"] == "button"
    titles = [b["reply"]["title"] for b in payload["interactive"]["action"]["buttons"]]
    assert len(set(titles)) == 2
    assert all(len(t) <= 20 for t in titles)


@pytest.mark.parametrize("seed", range(30))
def test_long_texts_are_split_within_limits_never_mid_word(seed: int) -> None:
    rng = random.Random(seed)
    text = _text(rng, rng.randint(200, 2500))
    buttons = FEEDBACK if seed % 2 else ()
    for channel, text_limit in ((Channel.whatsapp, 4096), (Channel.messenger, 2000)):
        payloads = render_reply(channel, "r", Reply(text, buttons))
        bodies = []
        for p in payloads:
            if channel == Channel.messenger:
                bodies.append(p["message"]["text"])
            elif p["type"] == "text":
                bodies.append(p["text"]["body"])
            else:
                assert len(p["interactive"]["body"]["text"]) <= 1024
                bodies.append(p["interactive"]["body"]["text"])
        assert all(0 < len(b) <= text_limit for b in bodies)
        # Nothing lost, nothing cut inside a word.
        assert " ".join(bodies).split() == text.split()
        if buttons and channel == Channel.whatsapp:
            assert payloads[-1]["type"] == "interactive"
        if buttons and channel == Channel.messenger:
            assert "quick_replies" in payloads[-1]["message"]
            assert all("quick_replies" not in p["message"] for p in payloads[:-1])


def test_split_prefers_paragraphs_and_hard_cuts_only_giant_words() -> None:
    text = "a" * 30 + "\n\n" + "b " * 10
    assert split_text(text, 35) == ["a" * 30, ("b " * 10).strip()]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    head, tail = split_with_tail("satu dua tiga empat", tail_limit=10, limit=100)
    assert (head, tail) == (["satu dua"], "tiga empat")
    assert split_with_tail("pendek", tail_limit=10, limit=100) == ([], "pendek")


def test_fit_label() -> None:
    assert fit_label("Butuh Bantuan Lebih Lanjut", 20) == "Butuh bantuan lanjut"
    assert fit_label("Ya, terjawab", 20) == "Ya, terjawab"
    fitted = fit_label("Bagaimana cara mengajukan refund", 20)
    assert len(fitted) <= 20
    assert fitted.endswith("…")
    assert "Bagaimana cara".startswith(fitted[:-1].strip()[:14])
    assert unique_labels(["Sama", "Sama", "sama"], 20) == ["Sama", "Sama (2)", "sama (3)"]


def test_webchat_renders_nothing() -> None:
    assert render_reply(Channel.webchat, "x", Reply("halo")) == []
