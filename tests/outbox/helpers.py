"""Arranging outbound replies the way the engine does: through ``send_replies``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.types import Button, Reply
from app.channels.outbound import send_replies
from app.conversations.models import Contact, Message
from app.outbox.models import OutboxItem
from app.types import Channel, Sender
from tests.factories import make_contact

PHONE_ID = "109876543210987"
PAGE_ID = "112233445566778"


async def queue_replies(
    session: AsyncSession,
    *,
    channel: Channel = Channel.whatsapp,
    external_id: str = "628111000001",
    account_id: str | None = PHONE_ID,
    replies: Sequence[Reply] = (Reply(text="Halo! Ada yang bisa kami bantu?"),),
    now: datetime,
    contact: Contact | None = None,
) -> tuple[Contact, list[int]]:
    """Store replies and their outbox rows; the new message ids (objects expire in tests)."""
    if contact is None:
        contact = await make_contact(
            session, channel=channel, external_id=external_id, account_id=account_id
        )
    messages = await send_replies(
        session,
        contact=contact,
        conversation_id=None,
        replies=replies,
        sender=Sender.bot,
        now=now,
    )
    await session.commit()
    return contact, [m.id for m in messages]


def answer_reply(text: str = "Pengiriman reguler 2-5 hari kerja.") -> Reply:
    return Reply(
        text=text,
        buttons=(
            Button("helpful_yes", "Ya, terjawab"),
            Button("helpful_no", "Tidak membantu"),
            Button("escalate", "Butuh Bantuan Lebih Lanjut"),
        ),
        article="lama-pengiriman",
    )


async def outbox_rows(session: AsyncSession) -> list[OutboxItem]:
    rows = list(
        await session.scalars(
            select(OutboxItem).order_by(OutboxItem.id).execution_options(populate_existing=True)
        )
    )
    await session.commit()  # end the read: on SQLite any open transaction blocks writers
    return rows


async def message(session: AsyncSession, message_id: int) -> Message:
    stored = await session.get_one(Message, message_id, populate_existing=True)
    await session.commit()
    return stored
