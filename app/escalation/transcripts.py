"""A handoff's transcript: one serialiser for every API that shows it, and the agent's
long-poll for new items.

``transcript`` is what ``GET /api/v1/handoffs/{id}`` and ``GET .../messages`` both return,
so whatever a transcript item gains (media, locations) reaches both.

Waking a waiting agent: the engine calls ``customer_wrote`` when a message arrives in a
handed-off conversation, which wakes long-polls in this process once the transaction commits.
Messages stored by another process (a replica, ``router serve``'s worker child) are found by
re-querying every ``RECHECK_SECONDS``, so a poll answers within about half a second anywhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import Principal, confirm_principal
from app.conversations.models import Message
from app.conversations.transcript import transcript_item
from app.escalation.errors import HandoffNotFound
from app.escalation.models import Handoff
from app.escalation.notifier import HandoffNotifier, notify_after_commit
from app.escalation.schemas import TranscriptMessage
from app.kb.service import KnowledgeBase

# A cheap indexed query (messages by conversation and id); twice a second per waiting agent.
RECHECK_SECONDS = 0.5

# One per process, like the queue's: the engine has no access to the app.
transcript_notifier = HandoffNotifier()


def customer_wrote(session: AsyncSession) -> None:
    """Wake agents' transcript long-polls in this process after this transaction commits."""
    notify_after_commit(session, transcript_notifier)


def with_article_links(kb: KnowledgeBase, items: list[TranscriptMessage]) -> None:
    """Give each bot answer its article's link, from the KB index in memory."""
    for item in items:
        card = kb.card(item.article_slug) if item.article_slug else None
        item.article_url = card.url if card is not None else None


async def transcript(
    session: AsyncSession, *, conversation_id: int, after: int = 0, limit: int | None = None
) -> list[TranscriptMessage]:
    """The conversation's messages with an id above ``after``, oldest first."""
    statement = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.id > after)
        .order_by(Message.id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return [transcript_item(message) for message in await session.scalars(statement)]


async def handoff_conversation_id(session: AsyncSession, handoff_id: int) -> int:
    conversation_id = await session.scalar(
        select(Handoff.conversation_id).where(Handoff.id == handoff_id)
    )
    if conversation_id is None:
        raise HandoffNotFound(f"handoff {handoff_id} does not exist")
    return conversation_id


async def wait_for_messages(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    conversation_id: int,
    after: int,
    limit: int,
    wait_seconds: float,
    notifier: HandoffNotifier = transcript_notifier,
    principal: Principal | None = None,
    gone: Callable[[], Awaitable[bool]] | None = None,
) -> list[TranscriptMessage]:
    """New transcript items as soon as there is one, or [] after ``wait_seconds``; no
    connection is held between the short queries. ``principal`` and ``gone`` as in
    ``app.escalation.longpoll.wait_for_handoffs``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while True:
        seen = notifier.generation  # before the query: a commit during it is not missed
        async with sessionmaker() as session:
            if principal is not None:
                await confirm_principal(session, principal)
            items = await transcript(
                session, conversation_id=conversation_id, after=after, limit=limit
            )
        remaining = deadline - loop.time()
        if items or remaining <= 0 or (gone is not None and await gone()):
            return items
        await notifier.wait(seen, min(RECHECK_SECONDS, remaining))
