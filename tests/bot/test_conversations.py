"""Whole conversations through the web chat API, checking replies and recorded outcomes."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Conversation, Message
from app.escalation.models import Handoff
from tests.bot.conftest import NewChat, count, outcomes, time_passes

REFUND_QUESTION = "Bagaimana cara mengajukan pengembalian dana (refund)?"
OUT_OF_SCOPE = "berapa harga tiket kereta ke surabaya besok"
BUTTON_IDS = ["helpful_yes", "helpful_no", "escalate"]


async def test_answer_then_confirm_is_deflected_confirmed(
    new_chat: NewChat, session: AsyncSession
) -> None:
    chat = await new_chat()
    data = await chat.send(REFUND_QUESTION)
    (reply,) = data["replies"]
    assert reply["article"] == "refund-dana"
    assert "https://help.example.test/refund" in reply["text"]
    assert [b["id"] for b in reply["buttons"]] == BUTTON_IDS
    assert reply["buttons"][2]["title"] == "Butuh Bantuan Lebih Lanjut"
    assert data["conversation"]["status"] == "bot"

    data = await chat.send(action="helpful_yes")
    assert data["conversation"]["status"] == "closed"
    assert await outcomes(session) == [("deflected_confirmed", None)]


async def test_answer_then_silence_is_deflected_assumed(
    new_chat: NewChat, app: FastAPI, session: AsyncSession
) -> None:
    chat = await new_chat()
    await chat.send(REFUND_QUESTION)
    assert await time_passes(app, hours=0.5) == 0  # not idle long enough yet
    assert await time_passes(app, hours=2) == 1
    assert await outcomes(session) == [("deflected_assumed", None)]


async def test_two_misses_escalate_automatically(new_chat: NewChat, session: AsyncSession) -> None:
    chat = await new_chat()
    first = await chat.send(OUT_OF_SCOPE)
    assert first["replies"][0]["article"] is None
    assert [b["id"] for b in first["replies"][0]["buttons"]] == ["escalate"]
    second = await chat.send("bisa pesan tiket pesawat buat liburan keluarga?")
    assert second["conversation"]["status"] == "handoff"
    assert "antrean" in second["replies"][0]["text"]
    assert await outcomes(session) == [("escalated", "repeated_miss")]
    handoff = await session.scalar(select(Handoff))
    assert handoff is not None
    assert handoff.reason == "repeated_miss"


async def test_miss_then_timeout_is_unresolved(
    new_chat: NewChat, app: FastAPI, session: AsyncSession
) -> None:
    chat = await new_chat()
    await chat.send(OUT_OF_SCOPE)
    await time_passes(app)
    assert await outcomes(session) == [("unresolved", None)]


async def test_explicit_request_for_a_human(new_chat: NewChat, session: AsyncSession) -> None:
    chat = await new_chat()
    data = await chat.send("mau ngomong sama CS dong")
    assert data["conversation"]["status"] == "handoff"
    assert await outcomes(session) == [("escalated", "customer_request")]


async def test_frustration_escalates(new_chat: NewChat, session: AsyncSession) -> None:
    chat = await new_chat()
    await chat.send(OUT_OF_SCOPE)
    data = await chat.send("bot gak guna, saya kecewa banget")
    assert data["conversation"]["status"] == "handoff"
    assert await outcomes(session) == [("escalated", "frustration")]


async def test_greeting_only_is_no_request(
    new_chat: NewChat, app: FastAPI, session: AsyncSession
) -> None:
    chat = await new_chat(name="Budi Santoso")
    data = await chat.send("halo kak")
    assert data["replies"][0]["text"].startswith("Halo, Budi!")
    await chat.send("makasih")
    await time_passes(app)
    assert await outcomes(session) == [("no_request", None)]


async def test_english_conversation_gets_english_replies(
    new_chat: NewChat, session: AsyncSession
) -> None:
    chat = await new_chat()
    data = await chat.send("how do I get a refund for my order?")
    (reply,) = data["replies"]
    assert reply["article"] == "refund-dana"
    assert "Did this answer your question?" in reply["text"]
    assert reply["buttons"][2] == {"id": "escalate", "title": "Need more help"}


async def test_double_press_counts_once(new_chat: NewChat, session: AsyncSession) -> None:
    chat = await new_chat()
    await chat.send(REFUND_QUESTION)
    await chat.send(action="helpful_yes")
    second = await chat.send(action="helpful_yes")
    assert second["replies"] == []
    assert await outcomes(session) == [("deflected_confirmed", None)]
    assert await count(session, Conversation) == 1


async def test_concurrent_presses_count_once(new_chat: NewChat, session: AsyncSession) -> None:
    chat = await new_chat()
    await chat.send(REFUND_QUESTION)
    await asyncio.gather(*(chat.send(action="helpful_yes") for _ in range(5)))
    assert await outcomes(session) == [("deflected_confirmed", None)]
    assert await count(session, Conversation) == 1


async def test_not_helpful_then_escalate_has_reason_not_helpful(
    new_chat: NewChat, session: AsyncSession
) -> None:
    chat = await new_chat()
    await chat.send(REFUND_QUESTION)
    data = await chat.send(action="helpful_no")
    assert [b["id"] for b in data["replies"][0]["buttons"]] == ["escalate"]
    await chat.send(action="escalate")
    assert await outcomes(session) == [("escalated", "not_helpful")]


async def test_typing_the_button_words_works_like_pressing(
    new_chat: NewChat, session: AsyncSession
) -> None:
    chat = await new_chat()
    await chat.send(REFUND_QUESTION)
    data = await chat.send("butuh bantuan lebih lanjut")
    assert data["conversation"]["status"] == "handoff"
    assert await outcomes(session) == [("escalated", "button")]


async def test_typed_yes_after_answer_confirms(new_chat: NewChat, session: AsyncSession) -> None:
    chat = await new_chat()
    await chat.send(REFUND_QUESTION)
    await chat.send("iya sudah terjawab, makasih")
    assert await outcomes(session) == [("deflected_confirmed", None)]


async def test_choosing_a_suggested_article_serves_it(new_chat: NewChat) -> None:
    chat = await new_chat()
    data = await chat.send(action="article:lama-pengiriman")
    assert data["replies"][0]["article"] == "lama-pengiriman"


async def test_a_suggestion_the_customer_confirms_names_its_article_in_the_gaps(
    new_chat: NewChat, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """The matcher was unsure ("suggest"); the customer picked the article and said it
    answered them: the gaps report tells editors which article lacks that wording."""
    chat = await new_chat()
    unsure = await chat.send("uang balik")
    assert unsure["replies"][0]["article"] is None
    assert unsure["replies"][0]["buttons"][0]["id"] == "article:refund-dana"
    await chat.send(action="article:refund-dana")
    closed = await chat.send(action="helpful_yes")
    assert closed["conversation"]["status"] == "closed"

    response = await client.get("/api/v1/stats/gaps", headers=admin_headers)
    assert response.status_code == 200, response.text
    (gap,) = response.json()["items"]
    assert gap["example"] == "uang balik"
    assert gap["confirmed_articles"] == [{"slug": "refund-dana", "count": 1}]


async def test_bot_is_silent_while_agent_owns_conversation(
    new_chat: NewChat, session: AsyncSession
) -> None:
    chat = await new_chat()
    await chat.send("tolong sambungkan ke admin")
    waiting = await chat.send(REFUND_QUESTION)
    # Still waiting: the customer hears their position, not a KB answer.
    assert waiting["replies"][0]["article"] is None
    assert "1" in waiting["replies"][0]["text"]
    handoff = await session.scalar(select(Handoff))
    assert handoff is not None
    handoff.status = "assigned"
    await session.commit()
    assigned = await chat.send("halo?")
    assert assigned["replies"] == []
    stored = await session.scalars(select(Message.text).where(Message.sender == "customer"))
    assert "halo?" in list(stored)


async def test_new_message_after_close_opens_new_conversation(
    new_chat: NewChat, session: AsyncSession
) -> None:
    chat = await new_chat()
    await chat.send(REFUND_QUESTION)
    await chat.send(action="helpful_yes")
    data = await chat.send("Berapa lama waktu pengiriman paket?")
    assert data["conversation"]["status"] == "bot"
    assert await count(session, Conversation) == 2


async def test_out_of_hours_escalation_says_when_agents_are_back(
    client: httpx.AsyncClient, new_chat: NewChat, app: FastAPI
) -> None:
    app.state.bot.hours = type(app.state.bot.hours).parse("Mon-Sun 00:00-00:00", "Asia/Jakarta")
    chat = await new_chat()
    data = await chat.send("saya mau bicara dengan customer service")
    assert "di luar jam operasional" in data["replies"][0]["text"]


async def test_agent_reply_reaches_web_chat_and_csat_is_recorded(
    client: httpx.AsyncClient,
    new_chat: NewChat,
    admin_headers: dict[str, str],
    session: AsyncSession,
) -> None:
    chat = await new_chat(name="Sari")
    await chat.send("saya mau bicara dengan customer service")
    agent = (
        await client.post("/api/v1/agents", json={"name": "Dewi"}, headers=admin_headers)
    ).json()
    agent_headers = {"Authorization": f"Bearer {agent['token']}"}
    (item,) = (await client.get("/api/v1/handoffs", headers=agent_headers)).json()["items"]
    assert item["customer"]["name"] == "Sari"
    handoff_url = f"/api/v1/handoffs/{item['id']}"
    assert (await client.post(f"{handoff_url}/claim", headers=agent_headers)).status_code == 200
    reply = await client.post(
        f"{handoff_url}/messages", json={"text": "Halo Kak Sari, saya Dewi."}, headers=agent_headers
    )
    assert reply.status_code == 202

    polled = await chat.poll()
    assert [(m["sender"], m["text"]) for m in polled["messages"]] == [
        ("agent", "Halo Kak Sari, saya Dewi.")
    ]
    assert (await client.post(f"{handoff_url}/resolve", headers=agent_headers)).status_code == 200
    after = await chat.poll(polled["cursor"])
    assert [m["sender"] for m in after["messages"]] == ["system"]
    assert "1" in after["messages"][0]["text"]

    rating = await chat.send("5")
    assert rating["conversation"]["status"] == "closed"
    assert "Terima kasih" in rating["replies"][0]["text"]
    session.expire_all()
    handoff = await session.scalar(select(Handoff))
    assert handoff is not None
    assert handoff.csat_score == 5
    assert await count(session, Conversation) == 1  # the rating opened no new request
    assert await outcomes(session) == [("escalated", "customer_request")]


async def test_typing_the_shortened_button_label_escalates(
    new_chat: NewChat, session: AsyncSession
) -> None:
    # WhatsApp shows "Butuh bantuan lanjut" (20 characters); customers type what they see.
    chat = await new_chat()
    await chat.send(REFUND_QUESTION)
    data = await chat.send("Butuh bantuan lanjut")
    assert data["conversation"]["status"] == "handoff"
    assert await outcomes(session) == [("escalated", "button")]


async def test_an_edited_answer_is_what_the_next_customer_gets(
    new_chat: NewChat, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    # The bot answers from the KB snapshot in memory: an edit must reach it at once.
    before = await (await new_chat()).send(REFUND_QUESTION)
    assert "Kebijakan baru" not in before["replies"][0]["text"]
    edited = await client.patch(
        "/api/v1/kb/articles/refund-dana",
        json={"answer": "Kebijakan baru: refund diproses dalam 1 hari kerja."},
        headers=admin_headers,
    )
    assert edited.status_code == 200, edited.text

    after = await (await new_chat()).send(REFUND_QUESTION)

    assert after["replies"][0]["article"] == "refund-dana"
    assert "Kebijakan baru: refund diproses dalam 1 hari kerja." in after["replies"][0]["text"]
