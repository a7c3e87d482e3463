"""What a visitor read in the help center, carried into the web chat they open from it.

The widget sends it with the session or a message (``context``). It is stored at once as
a system message of kind ``context`` (before the message that opens the conversation, so
the agent reads it first) and joins the visitor's conversation once the engine has one.
The visitor's own chat never shows it back to them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Message
from app.kb.models import Article
from app.kb.schemas import SLUG_PATTERN
from app.types import Channel, Direction, Sender

CONTEXT_KIND = "context"
MAX_ARTICLES = 10

ArticleSlug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=120)]


class HelpContext(BaseModel):
    """The articles read (most recent first) and the last search."""

    model_config = ConfigDict(extra="forbid")

    articles: list[ArticleSlug] = Field(default_factory=list, max_length=MAX_ARTICLES)
    # Cut, not refused, like the help center's own search.
    search: str | None = Field(default=None, max_length=2000)

    @property
    def empty(self) -> bool:
        return not self.articles and not (self.search or "").strip()


async def store_context(
    session: AsyncSession, *, contact_id: int, context: HelpContext, now: datetime
) -> None:
    """A system item for the agent: "Dari pusat bantuan: ..." with the articles (those still
    in the KB) as buttons ``article:<slug>`` and the search in the text."""
    if context.empty:
        return
    slugs = list(dict.fromkeys(context.articles))
    rows = await session.execute(
        select(Article.slug, Article.question).where(Article.slug.in_(slugs))
    )
    questions = dict(rows.tuples().all())
    read = [(slug, questions[slug]) for slug in slugs if slug in questions]
    search = " ".join((context.search or "").split())[:500]
    parts = ["Dari pusat bantuan."]
    if read:
        parts.append("Artikel dibaca: " + "; ".join(q for _, q in read) + ".")
    if search:
        parts.append(f"Pencarian terakhir: “{search}”.")
    session.add(
        Message(
            conversation_id=None,
            contact_id=contact_id,
            channel=Channel.webchat.value,
            direction=Direction.inbound.value,
            sender=Sender.system.value,
            kind=CONTEXT_KIND,
            text=" ".join(parts),
            buttons=[{"id": f"article:{slug}", "title": q[:200]} for slug, q in read] or None,
            created_at=now,
        )
    )
    await session.flush()


async def attach_context(session: AsyncSession, *, contact_id: int, conversation_id: int) -> None:
    """Context items waiting for the visitor's conversation join it."""
    await session.execute(
        update(Message)
        .where(
            Message.conversation_id.is_(None),
            Message.contact_id == contact_id,
            Message.kind == CONTEXT_KIND,
        )
        .values(conversation_id=conversation_id)
        .execution_options(synchronize_session=False)
    )
