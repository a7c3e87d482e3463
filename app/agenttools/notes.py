"""Private notes: agents' remarks in a handoff's transcript that the customer never sees.

A note is a message row with ``sender = direction = 'note'``, so the transcript, its cursor
and the agents' long-poll carry it like any other item, and retention and erasure remove it
with the conversation's other texts. Nothing that reaches or describes the customer reads it:
no outbox row is written, the web chat lists only its own senders
(``app.channels.webchat``), and statistics, gaps and exports read customer, bot and agent
messages by sender and direction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.conversations.models import Conversation, Message
from app.errors import ValidationFailed
from app.escalation.errors import HandoffNotFound
from app.escalation.models import Handoff, HandoffEvent
from app.escalation.notifier import notify_after_commit
from app.escalation.transcripts import transcript_notifier

NOTE = "note"  # both the sender and the direction of a note


async def add_note(
    session: AsyncSession, *, handoff_id: int, principal: Principal, text: str, now: datetime
) -> Message:
    clean = text.strip()
    if not clean:
        raise ValidationFailed("a note must not be blank")
    row = (
        await session.execute(
            select(Handoff.id, Conversation)
            .join(Conversation, Conversation.id == Handoff.conversation_id)
            .where(Handoff.id == handoff_id)
        )
    ).first()
    if row is None:
        raise HandoffNotFound(f"handoff {handoff_id} does not exist")
    conversation = row[1]
    note = Message(
        conversation_id=conversation.id,
        contact_id=conversation.contact_id,
        channel=conversation.channel,
        direction=NOTE,
        sender=NOTE,
        text=clean,
        kind="text",
        created_at=now,
    )
    session.add(note)
    # Who wrote it: the event log, as for agent replies (same time stamp).
    session.add(
        HandoffEvent(handoff_id=handoff_id, kind=NOTE, agent_id=principal.agent_id, created_at=now)
    )
    await session.flush()
    notify_after_commit(session, transcript_notifier)  # colleagues' open transcripts
    return note
