"""Test data for assist: a small KB (written for these tests), past handoffs that agents
resolved, and a live handoff to assist with."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Conversation
from app.db import utcnow
from app.escalation.models import Agent, Handoff
from app.types import ConversationStatus, HandoffStatus, Sender
from tests.factories import (
    make_agent,
    make_contact,
    make_conversation,
    make_handoff_record,
    make_inbound,
    make_message,
)

ARTICLES: list[dict[str, Any]] = [
    {
        "slug": "refund",
        "question": "Bagaimana cara mengajukan refund?",
        "variants": ["cara minta uang kembali", "pengembalian dana pesanan"],
        "answer": "Ajukan refund dari menu Pesanan > Ajukan Pengembalian dalam 7 hari.",
        "url": "https://toko.example/bantuan/refund",
    },
    {
        "slug": "jam-buka",
        "question": "Jam berapa toko buka?",
        "variants": ["jam operasional toko", "toko buka jam berapa"],
        "answer": "Toko buka setiap hari pukul 08.00 sampai 21.00 WIB.",
    },
    {
        "slug": "ongkir",
        "question": "Berapa ongkos kirim ke luar kota?",
        "variants": ["biaya pengiriman luar kota", "ongkir mahal"],
        "answer": "Ongkos kirim dihitung saat checkout dari berat barang dan kota tujuan.",
    },
]


async def import_kb(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/kb/import", json={"mode": "replace", "articles": ARTICLES}, headers=admin
    )
    assert response.status_code == 200, response.text


async def past_case(
    session: AsyncSession,
    *,
    question: str,
    reply: str,
    name: str = "Sari Wulandari",
    status: HandoffStatus = HandoffStatus.resolved,
    agent: Agent | None = None,
    understood_as: str | None = None,
) -> Handoff:
    """A closed conversation: the customer asked, an agent replied, the handoff ``status``."""
    start = utcnow() - timedelta(days=2)
    contact = await make_contact(session, display_name=name)
    conversation = await make_conversation(
        session, contact=contact, status=ConversationStatus.closed, created_at=start
    )
    await make_inbound(
        session,
        conversation=conversation,
        text=question,
        understood_as=understood_as,
        created_at=start,
    )
    if agent is None:
        agent, _ = await make_agent(session, name="Dewi")
    handoff = await make_handoff_record(
        session,
        conversation=conversation,
        status=status,
        agent=agent,
        created_at=start + timedelta(minutes=1),
        first_agent_reply_at=start + timedelta(minutes=3),
        resolved_at=start + timedelta(minutes=5) if status == HandoffStatus.resolved else None,
    )
    await make_message(
        session,
        conversation=conversation,
        sender=Sender.agent,
        text="Halo kak",
        created_at=start + timedelta(minutes=2),
    )
    await make_message(
        session,
        conversation=conversation,
        sender=Sender.agent,
        text=reply,
        created_at=start + timedelta(minutes=3),
    )
    return handoff


async def live_handoff(
    session: AsyncSession, *texts: str, name: str = "Budi Santoso", language: str = "id"
) -> tuple[Conversation, Handoff]:
    """A conversation handed to the agents after the customer wrote ``texts``."""
    contact = await make_contact(session, display_name=name, language=language)
    conversation = await make_conversation(
        session, contact=contact, status=ConversationStatus.handoff, language=language
    )
    for text in texts:
        await make_inbound(session, conversation=conversation, text=text, understood_as="none")
    handoff = await make_handoff_record(session, conversation=conversation)
    return conversation, handoff
