"""The bot escalated a Chatwoot conversation: give it to Chatwoot's agents.

``toggle_status`` open, queued in the outbox for that conversation (same recipient key as
its replies, so in order with them: after the earlier answers, just before the bot's
"connecting you to an agent", which Chatwoot shows in the now open conversation as well).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.channels.chatwoot_render import hand_over_call
from app.conversations.models import Contact, Conversation
from app.outbox.models import OutboxItem, customer_key
from app.types import Channel
from app.wakeups import OUTBOX_WORKER, announce

# The reason of a handoff Chatwoot's own agents started (``app.channels.chatwoot_events``).
EXTERNAL_AGENT = "external_agent"


async def hand_over(
    session: AsyncSession, conversation: Conversation, *, reason: str, now: datetime
) -> None:
    """A handoff was opened: on Chatwoot, give the conversation to its agents (unless one
    of them took it already: Chatwoot opened it itself)."""
    if conversation.channel != Channel.chatwoot or reason == EXTERNAL_AGENT:
        return
    contact = await session.get_one(Contact, conversation.contact_id)
    session.add(
        OutboxItem(
            message_id=None,
            channel=contact.channel,
            # As ``send_replies`` keys it: after this customer's replies still waiting.
            recipient_key=customer_key(contact.channel, contact.account_id, contact.external_id),
            account_id=contact.account_id,
            payload=hand_over_call(contact.external_id),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    await announce(session, OUTBOX_WORKER)
