"""The help pages' words, Indonesian first, and how a request picks its language."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("id", "en")

TEXTS: Mapping[str, Mapping[str, str]] = {
    "id": {
        "title": "Pusat Bantuan",
        "tagline": "Cari jawaban atas pertanyaan Anda",
        "search_label": "Cari di pusat bantuan",
        "search_placeholder": "Contoh: cara refund, lupa password…",
        "search_button": "Cari",
        "categories": "Kategori",
        "popular": "Paling banyak dibaca",
        "articles": "artikel",
        "article": "artikel",
        "results_for": "Hasil untuk",
        "answer": "Jawaban",
        "no_results": "Belum ada artikel yang cocok.",
        "no_results_hint": "Coba kata lain, atau tanyakan langsung ke tim kami.",
        "helpful": "Apakah artikel ini membantu?",
        "yes": "Ya",
        "no": "Tidak",
        "thanks": "Terima kasih atas masukan Anda!",
        "escalate": "Butuh Bantuan Lebih Lanjut",
        "whatsapp": "Chat lewat WhatsApp",
        "not_found": "Halaman tidak ditemukan",
        "not_found_hint": "Artikel atau kategori ini tidak ada lagi. Coba cari:",
        "home": "Beranda bantuan",
        "read_more": "Baca selengkapnya",
        "updated": "Diperbarui",
        "other_language": "English",
        "empty": "Belum ada artikel.",
        "still_need_help": "Masih butuh bantuan?",
    },
    "en": {
        "title": "Help Center",
        "tagline": "Find answers to your questions",
        "search_label": "Search the help center",
        "search_placeholder": "For example: refund, forgot password…",
        "search_button": "Search",
        "categories": "Categories",
        "popular": "Most read",
        "articles": "articles",
        "article": "article",
        "results_for": "Results for",
        "answer": "Answer",
        "no_results": "No matching article yet.",
        "no_results_hint": "Try other words, or ask our team directly.",
        "helpful": "Was this article helpful?",
        "yes": "Yes",
        "no": "No",
        "thanks": "Thank you for your feedback!",
        "escalate": "I need more help",
        "whatsapp": "Chat on WhatsApp",
        "not_found": "Page not found",
        "not_found_hint": "This article or category is not available. Try a search:",
        "home": "Help home",
        "read_more": "Read more",
        "updated": "Updated",
        "other_language": "Bahasa Indonesia",
        "empty": "No articles yet.",
        "still_need_help": "Still need help?",
    },
}


def requested_language(query_lang: str | None, accept_language: str | None) -> str:
    """``?lang=`` wins; else the browser's first preference, when it is English."""
    if query_lang in LANGUAGES:
        return str(query_lang)
    first = (accept_language or "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "id"
