"""Reading ratings as customers type them, and what is not a rating."""

from __future__ import annotations

import pytest

from app.bot.ratings import (
    Rating,
    is_closing_remark,
    rating_buttons,
    read_rating,
    score_of_action,
)


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("5", Rating(5, None)),
        ("5 kak mantap", Rating(5, "kak mantap")),
        ("4/5", Rating(4, None)),
        (" 4 / 5 ", Rating(4, None)),
        ("⭐⭐⭐⭐", Rating(4, None)),
        ("⭐️⭐️⭐️", Rating(3, None)),  # with emoji variation selectors
        ("★★", Rating(2, None)),
        ("⭐⭐⭐⭐⭐ mantul", Rating(5, "mantul")),
        ("⭐⭐⭐⭐⭐⭐⭐⭐", Rating(5, None)),  # enthusiasm, capped
        ("bintang 4", Rating(4, None)),
        ("3 bintang", Rating(3, None)),
        ("5 ⭐", Rating(5, None)),
        ("⭐ 5", Rating(5, None)),
        ("empat", Rating(4, None)),
        ("lima bintang, pelayanan oke", Rating(5, "pelayanan oke")),
        ("nilai 3", Rating(3, None)),
        ("nilai: 2", Rating(2, None)),
        ("saya kasih bintang 5, cepat banget responnya", Rating(5, "cepat banget responnya")),
        ("rating 5/5 pelayanan oke", Rating(5, "pelayanan oke")),
        ("4 dari 5", Rating(4, None)),
        ("10/10", Rating(5, None)),
        ("7/10", Rating(4, None)),
        ("4️⃣", Rating(4, None)),
        ("５", Rating(5, None)),  # a full-width digit from a phone keyboard
        ("1.", Rating(1, None)),
        ("5!!!", Rating(5, None)),
        ("5 kak", Rating(5, None)),  # a softener is no comment
        ("i give it a 4", Rating(4, None)),
        ("five stars", Rating(5, None)),
        ("sangat puas", Rating(5, None)),
        ("tidak puas", Rating(1, None)),
        ("5 - Sangat puas", Rating(5, None)),  # a button title typed out
        ("2 - Kurang puas", Rating(2, None)),
    ],
)
def test_ratings_customers_type(text: str, rating: Rating) -> None:
    assert read_rating(text) == rating


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ok",
        "okay",
        "6",
        "0",
        "45",
        "4.5",
        "3x",
        "4 hari belum sampai",
        "2 pcs ya kak",
        "2 jam lagi ya",
        "satu lagi kak, cara refund?",
        "saya mau tanya 2 hal",
        "pesanan 5 belum datang",
        "great thanks!",
        "11/10",
        # Long questions must be read in linear time, whatever they hold.
        "Bagaimana cara mengajukan pengembalian dana (refund)?",
        "kak " * 2000 + "x",
        "a b " * 2000,
    ],
)
def test_what_is_not_a_rating(text: str) -> None:
    assert read_rating(text) is None


def test_rating_buttons_fit_every_platform() -> None:
    for lang in ("id", "en"):
        buttons = rating_buttons(lang)
        assert [b.id for b in buttons] == ["csat:5", "csat:4", "csat:3", "csat:2", "csat:1"]
        assert all(len(b.title) <= 20 for b in buttons)  # Messenger and WhatsApp buttons
        # Typing what the button shows counts as pressing it.
        assert [read_rating(b.title) for b in buttons] == [Rating(s, None) for s in (5, 4, 3, 2, 1)]


@pytest.mark.parametrize(
    ("action", "score"),
    [("csat:1", 1), ("csat:5", 5), ("csat:0", None), ("csat:6", None), ("csat:", None),
     ("helpful_yes", None), (None, None)],
)  # fmt: skip
def test_score_of_action(action: str | None, score: int | None) -> None:
    assert score_of_action(action) == score


@pytest.mark.parametrize(
    ("text", "remark"),
    [
        ("great thanks!", True),
        ("makasih kak", True),
        ("mantap 👍", True),
        ("👍", True),
        ("ok sip", True),
        ("halo kak", False),  # may start a new request
        ("belum beres kak", False),
        ("cara refund gimana", False),
        ("tidak membantu", False),
    ],
)
def test_closing_remarks(text: str, remark: bool) -> None:
    assert is_closing_remark(text) is remark
