from __future__ import annotations

import pytest

from app.kb.normalizer import normalize_text, normalize_tokens
from app.kb.stemmer import stem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gmn cr refund kak", "refund"),
        ("pswd gk bs", "password tidak"),
        ("udh tf blm msk", "transfer belum masuk"),
        ("Pengembalian dana", "refund"),
        ("kata sandi", "password"),
        ("PAKETNYA BELUM DATANG!!!", "paket terlambat"),
    ],
)
def test_chat_forms_reach_the_same_words(text: str, expected: str) -> None:
    assert normalize_text(text) == expected


def test_repeated_letters_emoji_and_accents_fold() -> None:
    assert normalize_text("pakettt rusakkk 😡😡") == normalize_text("paket rusak")
    assert normalize_text("Café") == "cafe"


def test_english_words_map_to_indonesian() -> None:
    assert normalize_tokens("refund") == normalize_tokens("pengembalian dana")
    assert normalize_tokens("couriers") == normalize_tokens("kurir")
    assert normalize_text("forgot password") == normalize_text("lupa kata sandi")


def test_stop_words_and_greetings_vanish() -> None:
    assert normalize_text("terima kasih kak") == ""
    assert normalize_text("saya mau yang itu dong") == ""


def test_affixes_fold_to_one_root() -> None:
    forms = {stem(w, frozenset({"kirim"})) for w in ["mengirim", "dikirim", "kirimkan", "kiriman"]}
    assert forms == {"kirim"}
    assert normalize_tokens("pembayaran") == normalize_tokens("membayar") == ["bayar"]


def test_short_words_and_numbers_survive_or_drop_sensibly() -> None:
    assert stem("beli") == "beli"
    assert normalize_tokens("pesanan 123456") == normalize_tokens("pesanan")


def test_amounts_counts_and_dates_drop_but_product_codes_stay() -> None:
    assert normalize_tokens("voucher 50rb Rp100.000 2x24 jam 20%") == normalize_tokens(
        "voucher jam"
    )
    assert "4g" in normalize_tokens("paket 4g")


def test_affixes_that_hide_short_or_nasal_roots() -> None:
    assert normalize_tokens("bertanya") == normalize_tokens("pertanyaan") == ["tanya"]
    assert normalize_tokens("mengajukan") == normalize_tokens("pengajuan")
    assert normalize_tokens("meminta") == normalize_tokens("diminta")


def test_a_negation_that_tags_a_question_is_dropped() -> None:
    # "can I ... or not?" asks; it does not say something failed.
    assert normalize_tokens("bisa refund gak") == normalize_tokens("bisa refund")
    assert normalize_tokens("bs tukar ukuran tdk kak") == normalize_tokens("bs tukar ukuran kak")
    assert normalize_tokens("paket udh dikirim ato blm") == normalize_tokens("paket udh dikirim")
    assert normalize_tokens("apakah masih bisa dibatalkan atau tidak") == normalize_tokens(
        "apakah masih bisa dibatalkan"
    )


def test_a_negation_before_its_predicate_or_in_a_new_clause_is_kept() -> None:
    assert "tidak" in normalize_tokens("gak bisa login")
    assert "tidak" in normalize_tokens("otp tidak masuk")
    assert "tidak" in normalize_tokens("kode otp masih gak masuk")
    assert "tidak" in normalize_tokens("saldo sudah terpotong tapi transfernya tidak")
    assert "belum" in normalize_tokens("sudah bayar tapi belum")
    # Last in a message that asks nothing with "bisa": a plain negation.
    assert "tidak" in normalize_tokens("ukurannya pas tdk kak")
