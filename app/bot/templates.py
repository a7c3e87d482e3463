"""Every text the bot says, in Indonesian (default) and English. Edit wording here only."""

from __future__ import annotations

from app.bot.types import ESCALATE, HELPFUL_NO, HELPFUL_YES, Button

Lang = str  # "id" or "en"

_TEXTS: dict[str, dict[str, str]] = {
    "greeting": {
        "id": "Halo{name}! 👋 Ada yang bisa kami bantu? Silakan tulis pertanyaan Kakak.",
        "en": "Hello{name}! 👋 How can we help? Please type your question.",
    },
    "thanks": {
        "id": "Sama-sama, Kak! Kalau ada pertanyaan lain, tulis saja ya. 😊",
        "en": "You're welcome! If you have another question, just type it. 😊",
    },
    "answer_footer": {
        "id": "Baca selengkapnya: {url}\n\nApakah jawaban ini membantu?",
        "en": "Read more: {url}\n\nDid this answer your question?",
    },
    "answer_footer_no_url": {
        "id": "Apakah jawaban ini membantu?",
        "en": "Did this answer your question?",
    },
    "suggest": {
        "id": "Mungkin maksud Kakak salah satu dari ini? Pilih yang paling sesuai:",
        "en": "Did you mean one of these? Pick the closest one:",
    },
    "no_match": {
        "id": (
            "Maaf, kami belum menemukan jawaban untuk pertanyaan itu. Coba tulis dengan kata lain,"
            ' atau tekan "Butuh Bantuan Lebih Lanjut" untuk bicara dengan tim kami.'
        ),
        "en": (
            "Sorry, we could not find an answer to that. Try other words, or press"
            ' "Need more help" to talk to our team.'
        ),
    },
    "helpful_thanks": {
        "id": "Terima kasih atas konfirmasinya! Senang bisa membantu. 🙏",
        "en": "Thanks for letting us know! Glad we could help. 🙏",
    },
    "not_helpful": {
        "id": (
            "Maaf jawabannya belum membantu. Coba jelaskan pertanyaan Kakak dengan kata lain,"
            ' atau tekan "Butuh Bantuan Lebih Lanjut" agar tim kami membantu langsung.'
        ),
        "en": (
            "Sorry that did not help. Try describing your question differently, or press"
            ' "Need more help" and our team will help you directly.'
        ),
    },
    "escalated": {
        "id": "Baik, Kakak akan kami hubungkan dengan tim layanan pelanggan.{position}",
        "en": "Okay, we are connecting you with our customer service team.{position}",
    },
    "queue_position": {
        "id": " Posisi antrean Kakak: {position}.",
        "en": " Your position in the queue: {position}.",
    },
    "still_waiting": {
        "id": "Pesan Kakak sudah kami teruskan ke tim kami.{position} Mohon ditunggu ya.",
        "en": "We passed your message to our team.{position} Please hold on.",
    },
    "after_hours": {
        "id": (
            " Saat ini di luar jam operasional; tim kami kembali {when}."
            " Pertanyaan Kakak tetap ada di antrean."
        ),
        "en": (
            " We are outside business hours right now; the team is back {when}."
            " Your question stays in the queue."
        ),
    },
    "frustration": {
        "id": "Mohon maaf atas ketidaknyamanannya, Kak. Kami hubungkan dengan tim kami sekarang.",
        "en": "We are sorry for the trouble. We are connecting you with our team now.",
    },
    "unsupported": {
        "id": "Maaf, kami hanya bisa membaca pesan teks. Silakan ketik pertanyaan Kakak ya.",
        "en": "Sorry, we can only read text messages. Please type your question.",
    },
    "media_offer_person": {
        "id": (
            "Terima kasih, {what} Kakak sudah kami terima. Bot kami hanya bisa membaca teks:"
            ' tekan "Butuh Bantuan Lebih Lanjut" agar tim kami membantu langsung, atau ketik'
            " pertanyaan Kakak."
        ),
        "en": (
            "Thank you, we received your {what}. Our bot can only read text: press"
            ' "Need more help" and our team will help you directly, or type your question.'
        ),
    },
    "media_please_type": {
        "id": (
            "Terima kasih, {what} Kakak sudah kami terima. Agar bisa kami bantu, tolong"
            " ketik pertanyaan Kakak (boleh sebagai keterangan), atau tekan"
            ' "Butuh Bantuan Lebih Lanjut".'
        ),
        "en": (
            "Thank you, we received your {what}. So that we can help, please type your"
            ' question (a caption works too), or press "Need more help".'
        ),
    },
    "order_received": {
        "id": (
            "Terima kasih, pesanan Kakak sudah kami terima. Tim kami akan memeriksanya dan"
            " segera menghubungi Kakak.{position}"
        ),
        "en": (
            "Thank you, we received your order. Our team will check it and get back to you"
            " shortly.{position}"
        ),
    },
    "form_received": {
        "id": (
            "Terima kasih, formulir Kakak sudah kami terima. Tim kami akan"
            " menindaklanjutinya.{position}"
        ),
        "en": "Thank you, we received your form. Our team will follow up on it.{position}",
    },
    "csat_prompt": {
        "id": (
            "Percakapan dengan tim kami sudah selesai. Seberapa puas Kakak dengan bantuan kami?"
            " Pilih atau balas dengan angka 1 (tidak puas) sampai 5 (sangat puas)."
        ),
        "en": (
            "Your conversation with our team is finished. How satisfied are you with the help?"
            " Pick or reply with a number from 1 (not satisfied) to 5 (very satisfied)."
        ),
    },
    "csat_thanks": {
        "id": (
            "Terima kasih atas penilaiannya! 🙏 Kalau ada saran untuk tim kami, tulis saja di"
            " sini (boleh dilewati)."
        ),
        "en": (
            "Thank you for your rating! 🙏 If you have a suggestion for our team, just write it"
            " here (optional)."
        ),
    },
    "csat_comment_thanks": {
        "id": "Terima kasih, masukan Kakak sudah kami sampaikan ke tim. 🙏",
        "en": "Thank you, we passed your feedback on to the team. 🙏",
    },
}

_BUTTONS: dict[str, dict[str, str]] = {
    HELPFUL_YES: {"id": "Ya, terjawab", "en": "Yes, answered"},
    HELPFUL_NO: {"id": "Tidak membantu", "en": "Not helpful"},
    ESCALATE: {"id": "Butuh Bantuan Lebih Lanjut", "en": "Need more help"},
}


# Titles too long for 20-character platform buttons, with the wording a person would pick.
# Channels use these when they must shorten; typing either form works like pressing.
SHORT_TITLES = {
    "Butuh Bantuan Lebih Lanjut": "Butuh bantuan lanjut",
}


def text(key: str, lang: Lang, **values: object) -> str:
    variants = _TEXTS[key]
    return variants.get(lang, variants["id"]).format(**values)


def button(button_id: str, lang: Lang) -> Button:
    titles = _BUTTONS[button_id]
    return Button(id=button_id, title=titles.get(lang, titles["id"]))


def button_titles(button_id: str) -> list[str]:
    """Every title a button is shown with: typing one works like pressing it."""
    titles = list(_BUTTONS[button_id].values())
    return titles + [SHORT_TITLES[t] for t in titles if t in SHORT_TITLES]


# What a customer sent, in the words of a reply ("we received your photo").
_KIND_WORDS: dict[str, dict[str, str]] = {
    "image": {"id": "foto", "en": "photo"},
    "sticker": {"id": "stiker", "en": "sticker"},
    "location": {"id": "lokasi", "en": "location"},
    "contacts": {"id": "kontak", "en": "contact"},
    "audio": {"id": "pesan suara", "en": "voice message"},
    "video": {"id": "video", "en": "video"},
    "document": {"id": "dokumen", "en": "document"},
}


def kind_word(kind: str, lang: Lang) -> str:
    words = _KIND_WORDS.get(kind, {"id": "pesan", "en": "message"})
    return words.get(lang, words["id"])


def csat_prompt(lang: Lang) -> str:
    return text("csat_prompt", lang)


def queue_position(position: int | None, lang: Lang) -> str:
    return "" if position is None else text("queue_position", lang, position=position)
