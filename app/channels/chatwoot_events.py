"""What Chatwoot's conversation notices and the router's escalations mean for each other.

- The bot escalates: the conversation goes to Chatwoot's agents (``hand_over``).
- Chatwoot opens a conversation the bot still had (an agent took it over, or Chatwoot gave
  up waiting for the bot): it counts as escalated (``external_agent``) and the bot is silent.
- Chatwoot resolves it: the router's conversation closes too (a live handoff is resolved, a
  bot conversation gets its timeout outcome), so the customer's next request starts afresh.

Notices go through the inbox like messages, in order with the same customer's messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.sweeper import close_idle
from app.channels.chatwoot_handover import EXTERNAL_AGENT
from app.channels.chatwoot_inbound import ConversationChange
from app.conversations.models import Contact, Conversation
from app.conversations.outcomes import close_conversation
from app.escalation.models import HandoffEvent
from app.escalation.service import live_handoff_for, open_handoff
from app.events.hooks import handoff_changed
from app.types import Channel, ConversationStatus, HandoffStatus

CHANGE = "conversation"  # InboxItem.kind of a Chatwoot conversation notice


def change_row(change: ConversationChange, *, received_at: datetime) -> dict[str, Any]:
    return {
        "channel": Channel.chatwoot.value,
        "kind": CHANGE,
        "dedupe_key": f"{CHANGE}:{change.key}"[:300],
        "contact_key": change.external_id,  # after the customer's earlier messages
        "payload": {"external_id": change.external_id, "change": change.change},
        "received_at": received_at,
        "next_attempt_at": received_at,
        "attempts": 0,
    }


async def apply_change(session: AsyncSession, payload: dict[str, Any], *, now: datetime) -> None:
    conversation = await session.scalar(
        select(Conversation)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(
            Contact.channel == Channel.chatwoot.value,
            Contact.external_id == payload["external_id"],
            Conversation.status != ConversationStatus.closed.value,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if conversation is None:
        return  # the bot never saw it, or it is closed already
    if payload["change"] == "opened":
        if conversation.status == ConversationStatus.bot:
            await open_handoff(session, conversation=conversation, reason=EXTERNAL_AGENT, now=now)
        return
    handoff = await live_handoff_for(session, conversation.id)
    if handoff is None:
        await close_idle(session, conversation, now=now)
        return
    handoff.status = HandoffStatus.resolved.value
    handoff.resolved_at = now
    handoff.lease_expires_at = None
    session.add(HandoffEvent(handoff_id=handoff.id, kind="resolved", created_at=now))
    await session.flush()
    await handoff_changed(session, handoff.id, "resolved", now=now)
    await close_conversation(session, conversation, now=now)
