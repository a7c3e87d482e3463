from __future__ import annotations

from app.kb.colloquial import standard_forms
from app.kb.index import ArticleText, MatchIndex
from app.kb.matcher import Thresholds, search
from app.kb.normalizer import words

INDEX = MatchIndex.build(
    [
        ArticleText("simpan-alamat", "Bagaimana cara menyimpan alamat favorit?", ()),
        ArticleText("sewa-alat", "Bisakah saya menyewa alat pesta?", ("Biaya sewa alat",)),
        ArticleText("nama-toko", "Cara mengganti nama toko", ()),
    ]
)


def test_chat_affixes_give_way_to_standard_spellings() -> None:
    assert "simpan" in standard_forms("nyimpen")  # ny- for s-, Jakarta e for a
    assert "ambil" in standard_forms("ngambil")  # ng- before a vowel-initial root
    assert "kirim" in standard_forms("ngirim")  # ng- for k-
    assert "tanya" in standard_forms("nanyain")  # n- for t-, -in for -kan
    assert "bawa" in standard_forms("kebawa")  # ke- for the accidental ter-
    assert "cari" in standard_forms("cariin")
    assert "ngirim" not in standard_forms("ngirim")


def test_a_colloquial_word_is_read_as_the_kb_word_its_rules_reach() -> None:
    assert INDEX.correct(("nyimpen", "alamat")) == ("simpan", "alamat")
    assert INDEX.correct(("nyewa",)) == ("sewa",)


def test_a_rule_that_does_not_reach_a_kb_word_changes_nothing() -> None:
    # "nanem" could be tanam, but no article talks about planting.
    assert INDEX.correct(("nanem",)) == ("nanem",)
    # A word the KB uses is never rewritten, even where a rule would apply (nama -> tama).
    assert INDEX.correct(("nama",)) == ("nama",)


def test_a_chat_verb_finds_its_article() -> None:
    for text, slug in [
        ("gmn cara nyimpen alamat", "simpan-alamat"),
        ("mau nyewa alat", "sewa-alat"),
    ]:
        result = search(INDEX, text, Thresholds(answer=0.6, suggest=0.3))
        assert [m.slug for m in result.matches][:1] == [slug], text


def test_an_ambiguous_english_word_takes_the_reading_the_kb_uses() -> None:
    bank = MatchIndex.build([ArticleText("tutup", "Cara menutup rekening", ("Ajukan pinjaman",))])
    shop = MatchIndex.build([ArticleText("hapus", "Cara menghapus akun", ())])
    message = words("I want to close my accounts")
    assert bank.read_english(message)[-1] == "rekening"
    assert shop.read_english(message)[-1] == "akun"
    assert bank.read_english(words("apply for a loan"))[0] == "ajukan"
    # A KB that uses neither reading gets the first one.
    assert INDEX.read_english(words("apply for a loan"))[0] == "pakai"
    # Inside an English phrase the lexicon knows, the word is read with the phrase.
    assert bank.read_english(words("my bank account number")) == words("my bank account number")
    # Chat mixes the languages: an English word in an Indonesian sentence is read the same way.
    assert bank.read_english(words("account saya diblokir"))[0] == "rekening"


def test_an_english_question_finds_a_bank_article() -> None:
    bank = MatchIndex.build(
        [
            ArticleText("tutup-rekening", "Bagaimana cara menutup rekening?", ()),
            ArticleText("buka-rekening", "Bagaimana cara membuka rekening?", ()),
            ArticleText("hapus-kartu", "Cara menghapus kartu dari aplikasi", ()),
        ]
    )
    result = search(bank, "How do I close my account?", Thresholds(answer=0.6, suggest=0.3))
    assert [m.slug for m in result.matches][:1] == ["tutup-rekening"]


def test_where_the_kb_uses_both_readings_the_message_decides() -> None:
    bank = MatchIndex.build(
        [
            ArticleText("tutup-rekening", "Cara menutup rekening", ()),
            ArticleText("akun-terkunci", "Akun aplikasi saya terkunci", ()),
        ]
    )
    assert bank.read_english(words("close my account"))[-1] == "rekening"
    assert bank.read_english(words("my app account")) == ("my", "app", "akun")
