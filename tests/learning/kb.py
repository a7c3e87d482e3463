"""A small shop KB for the learning and calibration tests (written for them)."""

from __future__ import annotations

from typing import Any

import httpx

ARTICLES: list[dict[str, Any]] = [
    {
        "slug": "cara-refund",
        "question": "Bagaimana cara mengajukan refund?",
        "variants": ["Saya mau minta uang kembali", "Prosedur pengembalian dana", "refund gmn"],
        "answer": "Ajukan refund dari menu Pesanan, pilih Ajukan Pengembalian.",
    },
    {
        "slug": "lupa-password",
        "question": "Saya lupa password akun",
        "variants": ["Cara reset kata sandi", "Tidak bisa login karena lupa sandi", "pw lupa"],
        "answer": "Tekan Lupa Password di halaman masuk lalu ikuti tautan di email.",
    },
    {
        "slug": "ongkos-kirim",
        "question": "Berapa ongkos kirim ke luar pulau?",
        "variants": ["Biaya pengiriman ke Kalimantan", "Tarif kurir antar pulau", "ongkir brp"],
        "answer": "Ongkos kirim dihitung otomatis saat checkout sesuai berat dan tujuan.",
    },
    {
        "slug": "lacak-paket",
        "question": "Bagaimana melacak paket saya?",
        "variants": ["Nomor resi untuk cek posisi kiriman", "Paket sudah sampai mana", "cek resi"],
        "answer": "Buka Pesanan Saya, pilih pesanan, lalu Lacak.",
    },
    {
        "slug": "ganti-alamat",
        "question": "Cara mengubah alamat pengiriman",
        "variants": ["Salah tulis alamat rumah", "Ganti alamat tujuan pesanan", "ubah alamat"],
        "answer": "Alamat bisa diubah sebelum pesanan dikemas di menu Pesanan.",
    },
    {
        "slug": "metode-bayar",
        "question": "Metode pembayaran apa saja yang tersedia?",
        "variants": ["Bisa bayar pakai transfer bank?", "Pilihan cara membayar", "bayar pake apa"],
        "answer": "Transfer bank, kartu kredit, dompet digital dan bayar di tempat.",
    },
    {
        "slug": "batal-pesanan",
        "question": "Bagaimana membatalkan pesanan?",
        "variants": ["Saya tidak jadi beli", "Cancel order yang belum dikirim", "batalin pesanan"],
        "answer": "Pesanan yang belum dikemas bisa dibatalkan dari menu Pesanan.",
    },
    {
        "slug": "jam-operasional",
        "question": "Jam buka layanan pelanggan",
        "variants": ["Kapan CS bisa dihubungi", "Jam kerja customer service", "cs buka jam brp"],
        "answer": "Layanan pelanggan buka setiap hari pukul 08.00-21.00.",
    },
]


async def load_kb(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/kb/import", json={"mode": "replace", "articles": ARTICLES}, headers=headers
    )
    assert response.status_code == 200, response.text
