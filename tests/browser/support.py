"""What the dashboard's browser tests share: the seeded conversations and chromium's flags."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.conversations.models import Conversation
from app.db import create_engine, create_sessionmaker, utcnow
from app.migrate import upgrade
from app.types import Channel, ConversationStatus, EscalationReason, OutcomeKind, Sender
from tests.factories import (
    make_conversation,
    make_handoff_record,
    make_inbound,
    make_message,
    make_outcome,
)

TOKEN = "browser-admin-token"
ROOT = Path(__file__).resolve().parents[2]
GAP = "bisa bayar pakai paylater"
QUESTION = "refund saya belum masuk"
REWRITE = "refund"  # escalated after
FINE = "ongkir"  # only confirmed: not an article to rewrite


async def seed_dashboard(database_url: str) -> None:
    engine = create_engine(Settings(database_url=database_url))
    await upgrade(engine)
    async with create_sessionmaker(engine)() as session:
        # 03:00 UTC is 10:00 in Jakarta (ROUTER_TIMEZONE), the clock the page shows.
        day = (utcnow() - timedelta(days=2)).replace(hour=3, minute=0, second=0, microsecond=0)
        kinds = [OutcomeKind.deflected_confirmed] * 3 + [
            OutcomeKind.deflected_assumed,
            OutcomeKind.escalated,
            OutcomeKind.escalated,
            OutcomeKind.unresolved,
        ]
        for i, kind in enumerate(kinds):
            channel = Channel.whatsapp if i % 2 else Channel.webchat
            conversation = await make_conversation(
                session,
                channel=channel,
                status=ConversationStatus.closed,
                created_at=day + timedelta(minutes=i),
            )
            if kind is OutcomeKind.unresolved:
                await make_inbound(
                    session, conversation=conversation, text=GAP, understood_as="none"
                )
            escalated = kind is OutcomeKind.escalated
            if escalated:  # read, then escalated anyway: an article to rewrite
                await _read_then_escalate(session, conversation, day + timedelta(minutes=i))
            await make_outcome(
                session,
                conversation=conversation,
                outcome=kind,
                reason=EscalationReason.button if escalated else None,
                article_slug=REWRITE if escalated else FINE,
                recorded_at=day + timedelta(minutes=i + 5),
            )
        waiting = await make_conversation(
            session, status=ConversationStatus.handoff, created_at=day + timedelta(hours=1)
        )
        await make_inbound(session, conversation=waiting, text=GAP, understood_as="none")
        await make_handoff_record(session, conversation=waiting, created_at=day)
        await session.commit()
    await engine.dispose()


async def _read_then_escalate(
    session: AsyncSession, conversation: Conversation, at: datetime
) -> None:
    await make_inbound(
        session, conversation=conversation, text=QUESTION, understood_as="answer", created_at=at
    )
    await make_message(
        session,
        conversation=conversation,
        sender=Sender.bot,
        text="Refund diproses 3 hari kerja.",
        article_slug=REWRITE,
        created_at=at + timedelta(seconds=2),
    )
    await make_inbound(
        session, conversation=conversation, action="escalate", created_at=at + timedelta(seconds=30)
    )
