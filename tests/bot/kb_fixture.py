"""A small knowledge base written for these tests (not the demo KB, not evaluation data)."""

from __future__ import annotations

import httpx

ARTICLES = [
    {
        "slug": "refund-dana",
        "question": "Bagaimana cara mengajukan pengembalian dana (refund)?",
        "variants": ["Cara minta refund uang saya", "Prosedur pengembalian dana pesanan"],
        "answer": "Buka Pesanan Saya, pilih pesanan, lalu tekan Ajukan Pengembalian Dana.",
        "url": "https://help.example.test/refund",
        "category": "Pembayaran",
        "tags": ["refund"],
    },
    {
        "slug": "reset-kata-sandi",
        "question": "Bagaimana cara mengatur ulang kata sandi akun?",
        "variants": ["Lupa password akun", "Cara ganti kata sandi yang terlupa"],
        "answer": "Tekan Lupa Kata Sandi di halaman masuk dan ikuti tautan di email Anda.",
        "url": "https://help.example.test/password",
        "category": "Akun",
        "tags": ["akun", "password"],
    },
    {
        "slug": "lama-pengiriman",
        "question": "Berapa lama waktu pengiriman paket?",
        "variants": ["Estimasi paket sampai berapa hari", "Kapan paket saya tiba"],
        "answer": "Pengiriman reguler 2-5 hari kerja, ekspres 1-2 hari kerja.",
        "url": "https://help.example.test/shipping",
        "category": "Pengiriman",
        "tags": ["pengiriman"],
    },
    {
        "slug": "metode-pembayaran",
        "question": "Metode pembayaran apa saja yang tersedia?",
        "variants": ["Bisa bayar pakai apa saja", "Pilihan cara bayar"],
        "answer": "Transfer bank, kartu kredit, e-wallet dan bayar di tempat (COD).",
        "url": "https://help.example.test/payment",
        "category": "Pembayaran",
        "tags": ["pembayaran"],
    },
]


async def load_test_kb(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/kb/import",
        json={"mode": "replace", "articles": ARTICLES},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
