"""KB answers for the agent ("agent copilot"): the matcher on the customer's latest messages,
or on any wording the agent types."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Message
from app.escalation.schemas import Suggestion
from app.kb.service import KnowledgeBase
from app.types import Sender

# The request usually sits in the last few messages ("halo kak" / "refund saya belum masuk").
LATEST_MESSAGES = 3


async def latest_customer_texts(
    session: AsyncSession, conversation_id: int, count: int = LATEST_MESSAGES
) -> list[str]:
    """The customer's last ``count`` texts, newest first."""
    rows = await session.scalars(
        select(Message.text)
        .where(
            Message.conversation_id == conversation_id,
            Message.sender == Sender.customer.value,
            Message.text.is_not(None),
        )
        .order_by(Message.id.desc())
        .limit(count)
    )
    return [text for text in rows if text and text.strip()]


async def suggest(
    session: AsyncSession, kb: KnowledgeBase, *, texts: list[str], limit: int
) -> list[Suggestion]:
    """The best articles for any of ``texts`` (each searched alone, an article keeping its
    best score), best first. Only articles the matcher would at least suggest."""
    best: dict[str, Suggestion] = {}
    for text in texts:
        result = await kb.search(session, text, limit=limit)
        for match in result.matches:
            card = kb.card(match.slug)
            known = best.get(match.slug)
            if card is None or (known is not None and known.score >= match.score):
                continue
            best[match.slug] = Suggestion(
                slug=match.slug,
                question=match.question,
                answer=card.answer,
                url=card.url,
                score=match.score,
            )
    return sorted(best.values(), key=lambda s: -s.score)[:limit]
