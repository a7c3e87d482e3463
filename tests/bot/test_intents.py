from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.bot.hours import BusinessHours, describe_opening
from app.bot.intents import Intent, understand
from app.bot.ratings import parse_rating


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Halooo kak 👋", Intent.greeting),
        ("selamat pagi min", Intent.greeting),
        ("makasih banyak ya kak", Intent.thanks),
        ("thank you!", Intent.thanks),
        ("sambungin ke admin dong", Intent.human_request),
        ("I want to talk to a real person", Intent.human_request),
        ("pengen chat sama cs", Intent.human_request),
        ("mau ngobrol sama orang aja, jangan mesin", Intent.human_request),
        ("can I talk to a person please", Intent.human_request),
        ("mau pesan meja untuk empat orang besok", Intent.question),
        ("saya ingin kirim paket buat orang tua di Medan", Intent.question),
        ("dasar anjing", Intent.frustration),
        ("anjing lu bot", Intent.frustration),
        ("boleh bawa anjing ke toko kalian?", Intent.question),
        ("jual makanan babi dan kucing gak", Intent.question),
        ("bot gak guna", Intent.frustration),
        ("DASAR BODOH!!", Intent.frustration),
        ("KENAPA BELUM SAMPAI JUGA!!!", Intent.frustration),
        ("iya", Intent.yes),
        ("gak membantu", Intent.no),
        ("gmn cara bayar pakai ovo", Intent.question),
        ("halo kak, pesanan saya belum sampai", Intent.question),
        ("", Intent.empty),
        ("🙏🙏", Intent.empty),
    ],
)
def test_understand(text: str, intent: Intent) -> None:
    assert understand(text).intent == intent


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("how do I change my address", "en"),
        ("gimana cara ganti alamat kak", "id"),
        ("ok", None),
    ],
)
def test_language(text: str, language: str | None) -> None:
    assert understand(text).language == language


@pytest.mark.parametrize(
    ("text", "rating"),
    [("5", 5), (" 4/5 ", 4), ("3 bintang", 3), ("1.", 1), ("6", None), ("45", None), ("ok", None)],
)
def test_parse_rating(text: str, rating: int | None) -> None:
    assert parse_rating(text) == rating


def test_business_hours() -> None:
    hours = BusinessHours.parse("Mon-Fri 08:00-17:00", "Asia/Jakarta")
    friday_evening = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)  # 18:00 in Jakarta
    assert not hours.is_open(friday_evening)
    opening = hours.next_opening(friday_evening)
    assert (opening.weekday(), opening.hour) == (0, 8)
    assert describe_opening(opening, friday_evening, "id") == "hari Senin pukul 08:00"
    assert hours.is_open(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))  # Tuesday 10:00


def test_business_hours_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="business hours"):
        BusinessHours.parse("whenever", "Asia/Jakarta")
