"""Typed answers to the CES and NPS questions, read as customers write them."""

from __future__ import annotations

import pytest

from app.surveys.parsing import read_answer
from app.surveys.questions import answer_of_action, buttons


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("9", 9),
        ("9/10", 9),
        ("9 / 10", 9),
        ("9 dari 10", 9),
        ("nilai 9 kak", 9),
        ("sembilan", 9),
        ("10!", 10),
        ("🔟", 10),
        ("7️⃣", 7),
        ("0", 0),
        ("nol", 0),
        ("skor: 6", 6),
        ("８", 8),  # full-width
        ("9 mantap", 9),  # praise or thanks after the score
        ("10 terima kasih kak", 10),
    ],
)
def test_nps_answers(text: str, score: int) -> None:
    assert read_answer("nps", text) == score


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("sangat mudah", 7),
        ("Sangat mudah kak", 7),
        ("mudah", 6),
        ("agak sulit", 3),
        ("very easy", 7),
        ("6", 6),
        ("6/7", 6),
        ("7 - Sangat mudah", 7),
        ("1", 1),
    ],
)
def test_ces_answers(text: str, score: int) -> None:
    assert read_answer("ces", text) == score


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("nps", "11"),
        ("nps", "4/5"),  # a rating of something else
        ("nps", "4 hari belum sampai"),
        ("nps", "halo"),
        ("nps", "cara refund gimana?"),
        ("nps", "2 pcs"),
        ("nps", ""),
        ("ces", "8"),
        ("ces", "0"),
        ("ces", "9/10"),
        ("ces", "paket belum sampai"),
        ("nps", "sangat mudah"),  # a CES label is no NPS answer
    ],
)
def test_not_answers(kind: str, text: str) -> None:
    assert read_answer(kind, text) is None


def test_button_ids_and_actions() -> None:
    assert [b.id for b in buttons("nps", "id")] == [f"nps:{n}" for n in range(10, -1, -1)]
    assert [b.id for b in buttons("ces", "id")] == [f"ces:{n}" for n in range(7, 0, -1)]
    assert all(len(b.title) <= 20 for kind in ("nps", "ces") for b in buttons(kind, "en"))
    assert answer_of_action("nps:0") == ("nps", 0)
    assert answer_of_action("ces:7") == ("ces", 7)
    for bad in ("nps:11", "ces:0", "ces:x", "csat:5", "nps:", None):
        assert answer_of_action(bad) is None
