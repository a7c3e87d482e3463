"""Where a learned wording comes from: the customer's own messages in a conversation."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Message
from app.types import Direction

ARTICLE_PREFIX = "article:"
SEARCHED = ("answer", "suggest", "none")  # the bot searched the KB for these messages


async def _inbound(session: AsyncSession, conversation_id: int) -> list[Message]:
    return list(
        await session.scalars(
            select(Message)
            .where(
                Message.conversation_id == conversation_id,
                Message.direction == Direction.inbound.value,
            )
            .order_by(Message.id)
        )
    )


async def chosen_wording(session: AsyncSession, conversation_id: int, slug: str) -> str | None:
    """The wording that made the bot suggest ``slug`` when the customer then picked it: the
    last message the bot answered with suggestions before the last ``article:<slug>``
    press."""
    messages = await _inbound(session, conversation_id)
    pressed = [at for at, m in enumerate(messages) if (m.action or "") == f"{ARTICLE_PREFIX}{slug}"]
    if not pressed:
        return None
    for message in reversed(messages[: pressed[-1]]):
        if message.understood_as == "suggest" and message.text:
            return message.text
    return None


async def wording_before_handoff(session: AsyncSession, conversation_id: int) -> str | None:
    """What the customer asked in a conversation handed to an agent: the last message the
    bot searched the KB for before the handoff, else the first the customer wrote to the
    agent (someone who asked for a person at once explains while waiting)."""
    return asked(await _inbound(session, conversation_id))


def asked(messages: Sequence[Message]) -> str | None:
    """``wording_before_handoff`` on a conversation's inbound messages, oldest first; in a
    conversation that was not handed over, the last message the bot searched the KB for."""
    waiting = [at for at, m in enumerate(messages) if m.understood_as == "handoff"]
    first_waiting = waiting[0] if waiting else len(messages)
    for message in reversed(messages[:first_waiting]):
        if message.understood_as in SEARCHED and message.text:
            return message.text
    for message in messages[first_waiting:]:
        if message.understood_as == "handoff" and message.text:
            return message.text
    return None
