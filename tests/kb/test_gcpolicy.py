"""Freezing long-lived objects must not keep a replaced KB index alive."""

from __future__ import annotations

import gc

from app.gcpolicy import freeze_long_lived
from app.kb.index import ArticleText, MatchIndex

TEXTS = [
    ArticleText(f"artikel-{n}", f"Bagaimana cara mengurus hal nomor {n}?", (f"urus hal {n}",), "")
    for n in range(50)
]


def test_a_replaced_index_is_freed_although_it_was_frozen() -> None:
    MatchIndex.build(TEXTS)  # fill the normaliser's caches first
    freeze_long_lived()
    baseline = len(gc.get_objects()) + gc.get_freeze_count()
    gc.disable()  # only reference counting may free the old indexes
    try:
        for _ in range(5):
            index = MatchIndex.build(TEXTS)
            freeze_long_lived()
            del index
        assert len(gc.get_objects()) + gc.get_freeze_count() <= baseline
    finally:
        gc.enable()
