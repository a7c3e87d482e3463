"""A small knowledge base of our own and the customer messages the fault tests send."""

from __future__ import annotations

from typing import Any

ARTICLES: list[dict[str, Any]] = [
    {
        "slug": "jam-buka-toko",
        "question": "Jam berapa toko buka?",
        "variants": ["toko buka jam berapa", "jam operasional toko"],
        "answer": "Toko kami buka setiap hari pukul 09.00 sampai 21.00 WIB.",
        "category": "toko",
        "tags": ["jam"],
    },
    {
        "slug": "ganti-alamat-kirim",
        "question": "Bagaimana cara mengganti alamat pengiriman?",
        "variants": ["ubah alamat pengiriman", "alamat kirim salah"],
        "answer": "Buka menu Pesanan, pilih pesanan Anda, lalu tekan Ubah Alamat.",
        "category": "pengiriman",
        "tags": ["alamat"],
    },
    {
        "slug": "metode-bayar",
        "question": "Metode pembayaran apa saja yang tersedia?",
        "variants": ["bisa bayar pakai apa", "cara pembayaran"],
        "answer": "Kami menerima transfer bank, kartu kredit, dan dompet digital.",
        "category": "pembayaran",
        "tags": ["bayar"],
    },
]

# One question per article, worded as in the KB so the bot answers each with certainty.
QUESTIONS = [str(article["question"]) for article in ARTICLES]

ANSWERS = [str(article["answer"]) for article in ARTICLES]


def answer_of(payload: dict[str, Any]) -> str:
    """The article answer a delivered WhatsApp reply carries (before the feedback question)."""
    if payload.get("type") == "interactive":
        body = str(payload["interactive"]["body"]["text"])
    else:
        body = str(payload["text"]["body"])
    return body.split("\n\n", 1)[0]
