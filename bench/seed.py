"""Bulk data for benchmarks: stored conversations and synthetic KB articles."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from app.config import Settings
from app.conversations.models import Contact, Conversation, Message, Outcome
from app.db import create_engine

_TOPICS = [
    "voucher",
    "garansi",
    "retur",
    "cicilan",
    "poin",
    "alamat",
    "kurir",
    "invoice",
    "ukuran",
    "stok",
    "promo",
    "ongkir",
    "akun",
    "email",
    "nomor",
    "toko",
    "ulasan",
    "paket",
    "dana",
]
_FORMS = [
    "Bagaimana cara mengurus {t} nomor {n}?",
    "Apa syarat {t} untuk program {n}?",
    "Kenapa {t} kode {n} tidak bisa dipakai?",
]


def synthetic_articles(count: int, seed: int = 11) -> list[dict[str, Any]]:
    """Plausible but distinct FAQ entries, to grow the KB to a target size."""
    rng = random.Random(seed)
    articles = []
    for i in range(count):
        topic, other = rng.sample(_TOPICS, 2)
        articles.append(
            {
                "slug": f"synthetic-{i}",
                "question": rng.choice(_FORMS).format(t=topic, n=i),
                "variants": [f"{topic} {other} {i}", f"info {other} seri {i}"],
                "answer": f"Jawaban sintetis nomor {i} tentang {topic}.",
                "url": f"https://help.example.test/synthetic-{i}",
                "category": topic,
                "tags": [topic, other],
            }
        )
    return articles


async def preload_conversations(url: str, count: int, batch: int = 5000) -> None:
    """Closed conversations with two messages and an outcome each, inserted in bulk."""
    engine = create_engine(Settings(database_url=url))
    start = datetime.now(UTC) - timedelta(days=30)
    outcomes = ["deflected_assumed", "deflected_confirmed", "escalated", "unresolved"]
    async with engine.begin() as connection:
        for offset in range(0, count, batch):
            ids = range(offset, min(count, offset + batch))
            at = [start + timedelta(seconds=i) for i in ids]
            contacts = await connection.execute(
                insert(Contact).returning(Contact.id),
                [
                    {
                        "channel": "whatsapp",
                        "external_id": f"pre{i}",
                        "language": "id",
                        "created_at": t,
                    }
                    for i, t in zip(ids, at, strict=True)
                ],
            )
            contact_ids = list(contacts.scalars())
            conversations = await connection.execute(
                insert(Conversation).returning(Conversation.id),
                [
                    {
                        "contact_id": c,
                        "channel": "whatsapp",
                        "status": "closed",
                        "language": "id",
                        "created_at": t,
                        "last_customer_at": t,
                        "closed_at": t,
                        "consecutive_misses": 0,
                        "had_request": True,
                        "awaiting_csat": False,
                    }
                    for c, t in zip(contact_ids, at, strict=True)
                ],
            )
            conversation_ids = list(conversations.scalars())
            rows = list(zip(conversation_ids, contact_ids, at, strict=True))
            await connection.execute(
                insert(Message),
                [
                    {
                        "conversation_id": v,
                        "contact_id": c,
                        "channel": "whatsapp",
                        "direction": d,
                        "sender": s,
                        "text": "pertanyaan lama",
                        "platform_message_id": f"pre{v}{d}",
                        "created_at": t,
                    }
                    for v, c, t in rows
                    for d, s in (("in", "customer"), ("out", "bot"))
                ],
            )
            await connection.execute(
                insert(Outcome),
                [
                    {
                        "conversation_id": v,
                        "outcome": outcomes[v % 4],
                        "channel": "whatsapp",
                        "conversation_created_at": t,
                        "recorded_at": t,
                    }
                    for v, _c, t in rows
                ],
            )
        if connection.dialect.name == "postgresql":
            # Fresh statistics, as autovacuum would have them on a live database.
            for table in ("contacts", "conversations", "messages", "outcomes"):
                await connection.execute(text(f"ANALYZE {table}"))
    await engine.dispose()
