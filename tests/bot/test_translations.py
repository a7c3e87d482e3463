"""A customer writing English is answered with the article's English text where it has one,
with the Indonesian text otherwise; Indonesian customers always get the Indonesian."""

from __future__ import annotations

import httpx

from tests.bot.conftest import NewChat

EN_ANSWER = "Tap Forgot Password on the sign-in page and follow the link in your email."
EN_QUESTION = "How do I reset my account password?"
ID_ANSWER = "Tekan Lupa Kata Sandi di halaman masuk"


async def _translate(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    r = await client.patch(
        "/api/v1/kb/articles/reset-kata-sandi",
        json={"translations": {"en": {"question": EN_QUESTION, "answer": EN_ANSWER}}},
        headers=admin_headers,
    )
    assert r.status_code == 200, r.text


async def test_english_customer_gets_the_english_answer(
    new_chat: NewChat, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await _translate(client, admin_headers)
    english = await new_chat("Ann")
    first = await english.send("how can I reset my password please")
    assert EN_ANSWER in first["replies"][0]["text"]
    assert ID_ANSWER not in first["replies"][0]["text"]
    chosen = await english.send(action="article:reset-kata-sandi")
    assert EN_ANSWER in chosen["replies"][0]["text"]
    assert chosen["replies"][0]["article"] == "reset-kata-sandi"

    # No English text for this one: the Indonesian answer, not nothing.
    other = await english.send(action="article:lama-pengiriman")
    assert "Pengiriman reguler 2-5 hari kerja" in other["replies"][0]["text"]


async def test_indonesian_customer_keeps_the_indonesian_answer(
    new_chat: NewChat, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await _translate(client, admin_headers)
    chat = await new_chat("Budi")
    reply = await chat.send("saya lupa password akun gimana kak")
    texts = " ".join(r["text"] for r in reply["replies"])
    assert ID_ANSWER in texts
    assert EN_ANSWER not in texts


async def test_english_suggestions_show_the_english_question(
    new_chat: NewChat, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await _translate(client, admin_headers)
    similar = {
        "slug": "sandi-email",
        "question": "Bagaimana cara mengatur ulang kata sandi email?",
        "answer": "Hubungi penyedia email Anda.",
    }
    r = await client.post("/api/v1/kb/articles", json=similar, headers=admin_headers)
    assert r.status_code == 201, r.text
    chat = await new_chat("Ann")
    reply = (await chat.send("how do I reset the password"))["replies"][0]
    shown = reply["text"] + " ".join(b["title"] for b in reply["buttons"])
    assert [b["id"] for b in reply["buttons"]][:2] == [
        "article:reset-kata-sandi",
        "article:sandi-email",
    ]
    assert EN_QUESTION in shown
    assert "kata sandi akun" not in shown
    assert similar["question"] in shown  # untranslated: its Indonesian question
