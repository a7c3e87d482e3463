"""A small KB for the help center: categories, one article with a Markdown body, one with
an English translation, one inactive."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

BROWSER = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"}
ARTICLES: list[dict[str, Any]] = [
    {
        "slug": "lupa-kata-sandi",
        "question": "Saya lupa kata sandi",
        "variants": ["tidak bisa masuk akun", "reset password"],
        "answer": "Tekan 'Lupa Kata Sandi' di halaman masuk lalu ikuti kode OTP.",
        "category": "Akun",
        "body": "## Langkah\n\n1. Buka halaman masuk\n2. Tekan **Lupa Kata Sandi**\n\n"
        "[Bantuan](https://toko.example/bantuan)",
        "translations": {
            "en": {"question": "I forgot my password", "answer": "Tap 'Forgot password'."}
        },
    },
    {
        "slug": "pengembalian-dana",
        "question": "Kapan pengembalian dana masuk?",
        "variants": ["refund kapan masuk", "dana refund belum masuk"],
        "answer": "Dana kembali ke saldo dalam 1x24 jam setelah retur disetujui.",
        "category": "Pembayaran",
    },
    {
        "slug": "ongkir",
        "question": "Berapa ongkos kirim?",
        "variants": ["biaya pengiriman"],
        "answer": "Ongkir dihitung saat checkout.",
        "category": "Pengiriman",
        "url": "https://toko.example/ongkir",
    },
    {
        "slug": "lama-tidak-aktif",
        "question": "Artikel lama yang sudah tidak berlaku",
        "answer": "Tidak berlaku.",
        "category": "Arsip",
        "active": False,
    },
]


@pytest.fixture
async def kb(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> list[dict[str, Any]]:
    r = await client.post("/api/v1/kb/import", json={"articles": ARTICLES}, headers=admin_headers)
    assert r.status_code == 200, r.text
    r = await client.put(
        "/api/v1/kb/categories",
        json={
            "items": [
                {"slug": "Pembayaran", "name": "Pembayaran & Refund", "position": 1},
                {
                    "slug": "Akun",
                    "name": "Akun Saya",
                    "description": "Masuk, daftar, kata sandi",
                    "position": 2,
                    "translations": {"en": {"name": "My account"}},
                },
            ]
        },
        headers=admin_headers,
    )
    assert r.status_code == 200, r.text
    return ARTICLES
