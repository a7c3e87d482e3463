"""Batch storage of arriving messages: one statement for many customers, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations import repository
from app.conversations.models import Contact, Message
from app.db import utcnow
from app.types import Direction, Sender


def inbound_row(contact: Contact, wamid: str, text: str) -> dict[str, object]:
    return {
        "conversation_id": None,
        "contact_id": contact.id,
        "channel": contact.channel,
        "direction": Direction.inbound.value,
        "sender": Sender.customer.value,
        "text": text,
        "action": None,
        "platform_message_id": wamid,
        "created_at": utcnow(),
    }


async def test_contacts_are_created_and_updated_in_one_call(session: AsyncSession) -> None:
    now = utcnow()
    [old] = await repository.upsert_contacts(
        session,
        [repository.contact_row(channel="whatsapp", external_id="6281", seen_at=now)],
    )
    old_id = old.id

    rows = [
        repository.contact_row(
            channel="whatsapp", external_id=wa_id, display_name=name, seen_at=seen_at
        )
        for wa_id, name, seen_at in [
            ("6283", "Citra", now),
            ("6281", "Ani", now - timedelta(hours=1)),  # a late re-delivery
            ("6282", None, now),
        ]
    ]
    contacts = {c.external_id: c for c in await repository.upsert_contacts(session, rows)}

    assert sorted(contacts) == ["6281", "6282", "6283"]
    assert contacts["6281"].id == old_id
    assert contacts["6281"].display_name == "Ani"
    assert contacts["6281"].last_inbound_at == now  # only moves forward
    assert contacts["6283"].display_name == "Citra"
    assert await session.scalar(select(func.count()).select_from(Contact)) == 3


async def test_messages_seen_before_are_left_out_of_a_batch(session: AsyncSession) -> None:
    contacts = await repository.upsert_contacts(
        session,
        [repository.contact_row(channel="whatsapp", external_id=f"628{n}") for n in range(3)],
    )
    [first] = await repository.insert_inbound_many(
        session, [inbound_row(contacts[0], "wamid.1", "a")]
    )
    assert first.platform_message_id == "wamid.1"

    stored = await repository.insert_inbound_many(
        session,
        [
            inbound_row(contacts[0], "wamid.1", "a again"),
            inbound_row(contacts[1], "wamid.2", "b"),
            inbound_row(contacts[2], "wamid.3", "c"),
        ],
    )

    assert sorted((m.platform_message_id, m.text) for m in stored) == [
        ("wamid.2", "b"),
        ("wamid.3", "c"),
    ]
    assert await repository.insert_inbound_many(session, []) == []
    texts = await session.scalars(select(Message.text).order_by(Message.id))
    assert list(texts) == ["a", "b", "c"]
