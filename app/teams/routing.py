"""Which team a new handoff goes to, decided in the transaction that creates it.

The team whose categories include the category of the article the conversation was last about
(the last one the bot served or suggested), else ``ROUTER_DEFAULT_TEAM``. Then, if that team
assigns automatically, an online member with room gets it at once (``app.teams.assignment``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bot.types import ARTICLE_PREFIX
from app.config import Settings
from app.conversations.models import Conversation, Message
from app.escalation.models import Handoff
from app.kb.models import Article
from app.teams.models import Team
from app.types import Direction, Sender

# How far back to look for the bot's last article (answers and suggestion lists).
_LOOK_BACK = 20


@dataclass(frozen=True)
class RoutingPolicy:
    """What routing needs from the settings (the engine has them; services do not)."""

    default_team: str = ""
    lease_seconds: int = 300

    @classmethod
    def from_settings(cls, settings: Settings) -> RoutingPolicy:
        return cls(
            default_team=settings.default_team.strip(),
            lease_seconds=settings.handoff_lease_seconds,
        )


def _article_of(message: Message) -> str | None:
    """The article a bot message was about: the one it served, else the first it offered."""
    if message.article_slug:
        return message.article_slug
    for button in message.buttons or []:
        button_id = str(button.get("id") or "")
        if button_id.startswith(ARTICLE_PREFIX):
            return button_id.removeprefix(ARTICLE_PREFIX)
    return None


async def last_article(session: AsyncSession, conversation: Conversation) -> str | None:
    """The article the conversation was last about, read from the bot's messages; the
    engine's own note of it when no message carries one (the reply being written now)."""
    messages = await session.scalars(
        select(Message)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == Direction.outbound.value,
            Message.sender == Sender.bot.value,
        )
        .order_by(Message.id.desc())
        .limit(_LOOK_BACK)
    )
    for message in messages:
        slug = _article_of(message)
        if slug:
            return slug
    return conversation.last_article_slug


async def _default_team(session: AsyncSession, wanted: str) -> Team | None:
    if not wanted:
        return None
    if wanted.isdigit():
        team = await session.get(Team, int(wanted))
        if team is not None:
            return team
    return await session.scalar(select(Team).where(func.lower(Team.name) == wanted.lower()))


async def team_for_conversation(
    session: AsyncSession, conversation: Conversation, policy: RoutingPolicy
) -> Team | None:
    slug = await last_article(session, conversation)
    category = None
    if slug is not None:
        category = await session.scalar(select(Article.category).where(Article.slug == slug))
    if category:
        wanted = category.strip().lower()
        # Few teams: read them all; the oldest team wins when two claim a category.
        for team in await session.scalars(select(Team).order_by(Team.id)):
            if wanted in (c.lower() for c in team.categories or []):
                return team
    return await _default_team(session, policy.default_team)


async def route_new_handoff(
    session: AsyncSession,
    *,
    handoff: Handoff,
    conversation: Conversation,
    policy: RoutingPolicy,
    now: datetime,
) -> Team | None:
    """Give a just-created handoff its team (or none).

    Called by ``open_handoff`` in the transaction that creates the handoff, before anything
    reads it, so the ``handoff.created`` event, SLA policies by team and the queue all see its
    team. Auto-assignment follows the created event: ``app.teams.assignment.assign_new_handoff``.
    """
    team = await team_for_conversation(session, conversation, policy)
    if team is None:
        return None
    handoff.team_id = team.id
    await session.flush()
    return team
