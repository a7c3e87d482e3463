from __future__ import annotations

from app.kb.index import ArticleText, MatchIndex, typo_similarity
from app.kb.matcher import Thresholds, decide, score, search

ARTICLES = [
    ArticleText(
        "lupa-password", "Saya lupa kata sandi", ("Tidak bisa login karena lupa password",)
    ),
    ArticleText("cara-refund", "Bagaimana cara mengajukan pengembalian dana?", ("Cara refund",)),
    ArticleText("lacak-paket", "Bagaimana cara melacak paket?", ("Cek nomor resi",)),
    ArticleText("ongkir", "Berapa ongkos kirim?", ("Biaya pengiriman ke kota saya",)),
]
INDEX = MatchIndex.build(ARTICLES)
STRICT = Thresholds(answer=0.6, suggest=0.3, margin=0.05)


def test_slang_typo_and_english_find_the_article() -> None:
    for text, slug in [
        ("pswd gk bs login, lupa", "lupa-password"),
        ("gmn cr refund kak", "cara-refund"),
        ("lacak pakett pake no resii", "lacak-paket"),
        ("how much is the shipping cost", "ongkir"),
        ("cara melacakk pakte", "lacak-paket"),
    ]:
        result = search(INDEX, text, STRICT)
        assert result.matches, text
        assert result.matches[0].slug == slug, text


def test_scores_are_in_unit_interval_best_first() -> None:
    scored = score(INDEX, "lupa password")
    values = [s for _, s in scored]
    assert values == sorted(values, reverse=True)
    assert all(0 <= v <= 1 for v in values)
    assert INDEX.articles[scored[0][0]].slug == "lupa-password"


def test_out_of_scope_and_greetings_are_not_answered() -> None:
    for text in ["terima kasih kak", "cuaca di bandung hari ini", "🙏🙏", "harga saham hari ini"]:
        assert search(INDEX, text, STRICT).decision != "answer", text


def test_decision_follows_the_thresholds() -> None:
    scored = [(0, 0.70), (1, 0.40), (2, 0.20)]
    answer = decide(INDEX, scored, Thresholds(answer=0.70, suggest=0.40))
    assert answer.decision == "answer"
    assert [m.slug for m in answer.matches] == ["lupa-password", "cara-refund"]
    just_below = decide(INDEX, scored, Thresholds(answer=0.7001, suggest=0.40))
    assert just_below.decision == "suggest"
    assert decide(INDEX, scored, Thresholds(answer=0.9, suggest=0.7001)).decision == "none"
    assert decide(INDEX, scored, Thresholds(answer=0.9, suggest=0.7001)).matches == []


def test_a_close_runner_up_turns_an_answer_into_a_suggestion() -> None:
    scored = [(0, 0.80), (1, 0.78)]
    assert decide(INDEX, scored, Thresholds(answer=0.6, suggest=0.3, margin=0.05)).decision == (
        "suggest"
    )
    assert decide(INDEX, scored, Thresholds(answer=0.6, suggest=0.3, margin=0.0)).decision == (
        "answer"
    )


def test_suggest_offers_at_most_limit() -> None:
    scored = [(0, 0.5), (1, 0.45), (2, 0.42), (3, 0.41)]
    result = decide(INDEX, scored, Thresholds(answer=0.9, suggest=0.3), limit=3)
    assert result.decision == "suggest"
    assert len(result.matches) == 3


def test_empty_index_answers_none() -> None:
    empty = MatchIndex.build([])
    assert search(empty, "lupa password", STRICT).decision == "none"


def test_misspelt_words_are_corrected_to_kb_words() -> None:
    assert INDEX.correct(("lacakk", "pakte")) == ("lacakk", "paket")
    assert search(INDEX, "bgmn cra melacak pakte", STRICT).matches[0].slug == "lacak-paket"


def test_a_message_mostly_unknown_to_the_kb_is_not_offered_choices() -> None:
    text = "paket tur wisata keliling danau toba bersama rombongan keluarga besar"
    scored = score(INDEX, text)
    assert scored, "shares a KB word, so it is scored"
    assert scored[0][1] < 0.15 < score(INDEX, "lacak paket")[0][1]
    assert search(INDEX, text, Thresholds(answer=0.75, suggest=0.15)).decision == "none"


def test_only_slips_count_as_typos() -> None:
    assert typo_similarity("trasfer", "transfer") > 0.8  # dropped letter
    assert typo_similarity("retrun", "return") > 0.8  # swapped letters
    assert typo_similarity("pembayarab", "pembayaran") > 0.8  # wrong letter, long word
    assert typo_similarity("malam", "dalam") == 0  # another real word, not a slip
    assert typo_similarity("resep", "reset") == 0
    assert typo_similarity("kirim", "kirim") == 1


def test_a_clear_match_is_answered_with_the_default_thresholds() -> None:
    defaults = Thresholds(answer=0.75, suggest=0.15, margin=0.05)
    assert search(INDEX, "lupa password", defaults).decision == "answer"
    assert search(INDEX, "gmn cr refund kak", defaults).matches[0].slug == "cara-refund"


def test_two_equally_good_articles_are_offered_not_answered() -> None:
    index = MatchIndex.build(
        [
            ArticleText("ganti-password", "Cara ganti password akun", ("Ubah kata sandi",)),
            ArticleText("ganti-email", "Cara ganti email akun", ("Ubah alamat email",)),
        ]
    )
    clear = score(index, "ganti email akun")
    ambiguous = score(index, "ganti akun")
    assert index.articles[clear[0][0]].slug == "ganti-email"
    assert ambiguous[0][1] < clear[0][1]
    result = search(index, "ganti akun", Thresholds(answer=0.75, suggest=0.15))
    assert result.decision == "suggest"
    assert {m.slug for m in result.matches} == {"ganti-password", "ganti-email"}


def test_a_runner_up_never_scores_above_what_the_top_leaves_over() -> None:
    for text in ["lupa password", "lacak paket dan ongkir", "cara refund", "cek resi"]:
        scored = score(INDEX, text)
        top = scored[0][1]
        assert all(value <= min(top, 1 - top) + 1e-9 for _, value in scored[1:]), text


def test_a_short_word_missing_one_vowel_is_restored_only_when_unambiguous() -> None:
    index = MatchIndex.build(
        [ArticleText("stok-baru", "Kapan stok baru datang", ("Restock kapan",))]
    )
    assert index.correct(("bru",)) == ("baru",)
    assert index.correct(("xyz",)) == ("xyz",)
