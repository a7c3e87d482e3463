"""Grouping customer questions into knowledge gaps (pure)."""

from __future__ import annotations

from app.analytics.clustering import cluster_texts, fold_text


def test_fold_text() -> None:
    assert fold_text("  Kapan  CAFÉ buka?!  ") == "kapan cafe buka"


def test_similar_texts_group_largest_first() -> None:
    texts = [
        "cara tukar poin reward",
        "Tukar poin reward?",
        "tukar poin reward",
        "jadwal pengiriman ke bali",
        "pengiriman ke bali jadwalnya",
        "nomor rekening tujuan transfer",
    ]

    groups = cluster_texts(texts)

    assert [g.count for g in groups] == [3, 2, 1]
    assert set(groups[0].examples()) == {
        "cara tukar poin reward",
        "Tukar poin reward?",
        "tukar poin reward",
    }
    assert groups[2].example == "nomor rekening tujuan transfer"


def test_the_most_frequent_wording_is_the_example() -> None:
    groups = cluster_texts(["lupa password", "lupa password kak", "lupa password"])

    assert len(groups) == 1
    assert groups[0].example == "lupa password"
    assert groups[0].examples() == ["lupa password", "lupa password kak"]


def test_unrelated_texts_stay_apart_and_blank_texts_are_ignored() -> None:
    groups = cluster_texts(["ganti alamat email", "cicilan kartu kredit", "   ", "?!"])

    assert sorted(g.example for g in groups) == ["cicilan kartu kredit", "ganti alamat email"]


def test_threshold_controls_merging() -> None:
    texts = ["status pesanan saya", "status pengembalian dana"]

    assert len(cluster_texts(texts, threshold=99)) == 2
    assert len(cluster_texts(texts, threshold=30)) == 1


def test_tags_are_counted_per_group() -> None:
    groups = cluster_texts(
        ["cara refund dana", "cara refund dana", "Cara refund dana?", "jam buka toko", "   "],
        tags=["refund", None, "status-refund", "jam", "ignored with its blank text"],
    )
    assert [(g.count, dict(g.tags)) for g in groups] == [
        (3, {"refund": 1, "status-refund": 1}),
        (1, {"jam": 1}),
    ]
