"""A customer's message while a CES or NPS question is open (the conversation closed)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.bot import replies
from app.bot.ratings import is_closing_remark
from app.bot.types import InboundMessage, Reply
from app.conversations.models import Conversation, Message
from app.surveys.flow import UNDERSTOOD_AS, advance, current, record_answer
from app.surveys.parsing import read_answer
from app.surveys.questions import answer_of_action, thanks

# Like CSAT's: an answer a week later is no longer about this conversation.
ANSWER_WINDOW = timedelta(days=7)


async def answer_survey(
    session: AsyncSession,
    latest: Conversation,
    message: Message,
    inbound: InboundMessage,
    text: str,
    now: datetime,
) -> list[Reply] | None:
    """Replies when the message answers the open question (or is thanks that leaves it
    open); None when it is something else: the survey ends, the message is a new one."""
    kind = current(latest)
    if kind is None:
        return None
    recent = latest.closed_at is not None and now - latest.closed_at <= ANSWER_WINDOW
    pressed = answer_of_action(inbound.action)
    score: int | None = None
    if recent and pressed is not None and pressed[0] == kind:
        score = pressed[1]
    elif recent and inbound.action is None and text:
        score = read_answer(kind, text)
    if score is not None:
        await record_answer(session, latest, kind, score, now=now)
        message.understood_as = UNDERSTOOD_AS
        follow = await advance(session, latest, now=now)
        return [thanks(latest.language), *follow]
    if recent and inbound.action is None and text and is_closing_remark(text):
        message.understood_as = "thanks"
        return [replies.plain("thanks", latest.language)]
    latest.survey_pending = None  # asked once: a new request ends the wait
    return None
