"""Personal data out of text that travels to another customer's agent or to a model."""

from __future__ import annotations

import pytest

from app.assist.scrub import has_personal_data, scrub


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hubungi 0812-3456-7890 ya", "hubungi [nomor] ya"),
        ("WA +62 812 3456 7890", "WA [nomor]"),
        ("kirim ke budi.s+toko@mail.co.id", "kirim ke [email]"),
        ("lihat https://x.example/a?b=1 atau www.toko.example", "lihat [tautan] atau [tautan]"),
        ("resi JNE1234567890123", "resi JNE[nomor]"),
        ("kartu 4111 1111 1111 1111", "kartu [nomor]"),
        # Not personal: prices, dates, short codes and order quantities stay.
        ("harga Rp 15.000.000", "harga Rp 15.000.000"),
        ("tanggal 2026-05-12 jam 08.00", "tanggal 2026-05-12 jam 08.00"),
        ("kode promo 12345", "kode promo 12345"),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_names_are_removed_word_by_word_case_insensitively() -> None:
    assert scrub("Halo kak budi, Pak SANTOSO sudah", ["Budi Santoso"]) == (
        "Halo kak [nama], Pak [nama] sudah"
    )
    assert scrub("Bu Al ke toko", ["Al"]) == "Bu Al ke toko"  # too short to be sure
    assert scrub("Budiman datang", ["Budi"]) == "Budiman datang"  # whole words only
    assert has_personal_data("telp 081234567890")
    assert not has_personal_data("toko buka jam 8")
