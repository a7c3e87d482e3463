"""Messages that arrive after a conversation ended but belong to it, not to a new request:
the CSAT rating asked for when an agent resolved it, or a second press of a feedback button."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.bot import replies
from app.bot.intents import parse_rating
from app.bot.types import HELPFUL_NO, HELPFUL_YES, InboundMessage, InboundResult, Reply
from app.channels.outbound import send_replies
from app.conversations.models import Contact, Conversation, Message
from app.escalation.service import record_csat
from app.types import ConversationStatus, Sender

CSAT_WINDOW = timedelta(days=7)


async def after_close(
    session: AsyncSession,
    latest: Conversation | None,
    contact: Contact,
    message: Message,
    inbound: InboundMessage,
    text: str,
    now: datetime,
) -> InboundResult | None:
    """Handle the message against the contact's last, closed conversation (``latest``); None
    when it starts a new support request instead."""
    if latest is None or latest.status != ConversationStatus.closed:
        return None
    lang = latest.language
    out: list[Reply] = []
    if latest.awaiting_csat:
        latest.awaiting_csat = False
        rating = parse_rating(text) if text else None
        recent = latest.closed_at is not None and now - latest.closed_at <= CSAT_WINDOW
        if rating is None or not recent:
            return None
        await record_csat(session, conversation_id=latest.id, score=rating, now=now)
        message.understood_as = "csat"
        out = [replies.plain("csat_thanks", lang)]
    elif inbound.action in (HELPFUL_YES, HELPFUL_NO):
        # A second press (or a press on an old message): the outcome is already recorded.
        message.understood_as = "feedback"
        message.article_slug = latest.last_article_slug
        if inbound.action == HELPFUL_NO:
            out = [replies.not_helpful(lang)]
    else:
        return None
    message.conversation_id = latest.id
    await send_replies(
        session, contact=contact, conversation_id=latest.id, replies=out, sender=Sender.bot, now=now
    )
    return InboundResult(conversation_id=latest.id, conversation_status=latest.status, replies=out)
