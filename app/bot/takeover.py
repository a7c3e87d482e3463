"""A person taking over from outside: a Messenger/Instagram echo of another app (the Page
inbox, the Instagram app) or a WhatsApp ``smb_message_echoes`` message (the Business app on
the same number). The bot steps back until the conversation closes, and the conversation
counts as escalated with reason ``external_agent``; no queue item is made for our agents
(the engine opens one if the customer then asks)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.arrival import Arrival
from app.bot.content import EXTERNAL_AGENT
from app.bot.sweeper import close_idle, is_idle
from app.bot.types import InboundMessage, InboundResult
from app.channels.statuses import is_known
from app.conversations import repository
from app.conversations.outcomes import record_outcome
from app.types import ConversationStatus, EscalationReason, OutcomeKind


async def taken_over(
    session: AsyncSession,
    inbound: InboundMessage,
    arrival: Arrival,
    *,
    now: datetime,
    timeout_seconds: int,
) -> InboundResult:
    """Handle a person's echo (``inbound.echo``), already stored by ``arrival``."""
    message = arrival.message
    assert message is not None
    mid = inbound.platform_message_id
    if mid is not None and await is_known(session, inbound.channel, mid):
        await session.delete(message)  # the bot's own send after all
        return InboundResult(duplicate=True)
    latest = arrival.latest
    conversation = latest if latest and latest.status != ConversationStatus.closed else None
    if conversation is not None and is_idle(conversation, now=now, timeout_seconds=timeout_seconds):
        await close_idle(session, conversation, now=now)
        conversation = None
    if conversation is None:
        conversation = await repository.start_conversation(
            session, contact=arrival.contact, language=arrival.contact.language, now=now
        )
    message.conversation_id = conversation.id
    if conversation.status != ConversationStatus.handoff:
        conversation.status = ConversationStatus.handoff
        conversation.last_bot_action = EXTERNAL_AGENT
        conversation.had_request = True
        await record_outcome(
            session,
            conversation=conversation,
            outcome=OutcomeKind.escalated,
            reason=EscalationReason.external_agent.value,
            now=now,
            article_slug=conversation.last_article_slug,
        )
    if conversation.last_bot_action == EXTERNAL_AGENT:
        # The idle timeout counts from the person's last message too.
        conversation.last_customer_at = now
    return InboundResult(conversation_id=conversation.id, conversation_status=conversation.status)
