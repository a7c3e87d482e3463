"""Messages that arrive after a conversation ended but belong to it, not to a new request:
the answer to the rating question asked when an agent resolved it, a comment written right
after the rating, or a second press of a feedback button.

The rating question is asked once. Until it is answered (or a new request starts), thanks and
praise ("great thanks!") get a short reply and leave it open, so a "4" that follows still
counts as the rating instead of a miss in a new conversation.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.bot import replies
from app.bot.intents import Intent, understand
from app.bot.ports import KnowledgeSource
from app.bot.ratings import Rating, is_closing_remark, read_rating, score_of_action
from app.bot.types import HELPFUL_NO, HELPFUL_YES, InboundMessage, InboundResult, Reply
from app.channels.outbound import send_replies
from app.conversations.models import Contact, Conversation, Message
from app.escalation.service import record_csat, record_csat_comment
from app.surveys.answering import answer_survey
from app.surveys.flow import ask_next
from app.surveys.flow import current as survey_open
from app.surveys.questions import thanks as survey_thanks
from app.types import ConversationStatus, Sender

CSAT_WINDOW = timedelta(days=7)
# After a rating without a comment, the next text within this time is read as its comment.
COMMENT_WINDOW = timedelta(minutes=30)
# ``last_bot_action`` of a closed conversation whose rating may still get a comment.
AWAITING_COMMENT = "csat"
COMMENT_CLOSED = "csat_done"


async def after_close(
    session: AsyncSession,
    latest: Conversation | None,
    contact: Contact,
    message: Message,
    inbound: InboundMessage,
    text: str,
    now: datetime,
    kb: KnowledgeSource,
) -> InboundResult | None:
    """Handle the message against the contact's last, closed conversation (``latest``); None
    when it starts a new support request instead."""
    if latest is None or latest.status != ConversationStatus.closed:
        return None
    lang = latest.language
    out: list[Reply] | None
    if inbound.action in (HELPFUL_YES, HELPFUL_NO):
        # A second press (or a press on an old message): the outcome is already recorded.
        message.understood_as = "feedback"
        message.article_slug = latest.last_article_slug
        out = [replies.not_helpful(lang)] if inbound.action == HELPFUL_NO else []
    elif latest.awaiting_csat:
        out = await _answer_to_rating_question(session, latest, message, inbound, text, now)
    elif survey_open(latest):
        out = await answer_survey(session, latest, message, inbound, text, now)
    elif _comment_expected(latest, inbound, text, now):
        out = await _comment(session, latest, message, text, kb)
    else:
        out = None
    if out is None:
        return None
    message.conversation_id = latest.id
    await send_replies(
        session, contact=contact, conversation_id=latest.id, replies=out, sender=Sender.bot, now=now
    )
    return InboundResult(conversation_id=latest.id, conversation_status=latest.status, replies=out)


def _rating_in(inbound: InboundMessage, text: str) -> Rating | None:
    score = score_of_action(inbound.action)
    if score is not None:
        return Rating(score, None)
    return read_rating(text) if text else None


async def _answer_to_rating_question(
    session: AsyncSession,
    latest: Conversation,
    message: Message,
    inbound: InboundMessage,
    text: str,
    now: datetime,
) -> list[Reply] | None:
    recent = latest.closed_at is not None and now - latest.closed_at <= CSAT_WINDOW
    rating = _rating_in(inbound, text) if recent else None
    if rating is not None:
        latest.awaiting_csat = False
        await record_csat(
            session, conversation_id=latest.id, score=rating.score, now=now, comment=rating.comment
        )
        message.understood_as = "csat"
        follow = await ask_next(session, latest, now=now)
        if follow:  # the next survey question, instead of inviting a comment
            latest.last_bot_action = COMMENT_CLOSED
            return [survey_thanks(latest.language), *follow]
        if rating.comment is not None:
            latest.last_bot_action = COMMENT_CLOSED
            return [replies.plain("csat_comment_thanks", latest.language)]
        latest.last_bot_action = AWAITING_COMMENT
        latest.last_customer_at = now
        return [replies.plain("csat_thanks", latest.language)]
    if recent and inbound.action is None and text and is_closing_remark(text):
        message.understood_as = "thanks"
        return [replies.plain("thanks", latest.language)]
    latest.awaiting_csat = False  # asked once: a new request ends the wait
    return None


def _comment_expected(
    latest: Conversation, inbound: InboundMessage, text: str, now: datetime
) -> bool:
    return (
        latest.last_bot_action == AWAITING_COMMENT
        and inbound.action is None
        and bool(text)
        and now - latest.last_customer_at <= COMMENT_WINDOW
    )


async def _comment(
    session: AsyncSession,
    latest: Conversation,
    message: Message,
    text: str,
    kb: KnowledgeSource,
) -> list[Reply] | None:
    """The text after a rating is its comment, unless it is a new request: a call for a
    person, anger (escalated, and kept as the comment too), or a question the KB answers."""
    latest.last_bot_action = COMMENT_CLOSED
    if is_closing_remark(text):
        message.understood_as = "thanks"
        return [replies.plain("thanks", latest.language)]
    intent = understand(text).intent
    if intent == Intent.frustration:
        await record_csat_comment(session, conversation_id=latest.id, comment=text)
        return None
    if intent == Intent.human_request:
        return None
    if (await kb.search(session, text, limit=1)).decision == "answer":
        return None
    await record_csat_comment(session, conversation_id=latest.id, comment=text)
    message.understood_as = "csat_comment"
    return [replies.plain("csat_comment_thanks", latest.language)]
