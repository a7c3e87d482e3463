"""Proposing, listing, accepting and rejecting learned phrasings.

A proposal is keyed by (article, folded wording): the same wording again from another
conversation raises ``count`` (and ``customers`` when the contact is new); the same
conversation never counts twice (``LearnedSource``'s unique key). Accepting is one
conditional UPDATE from not-accepted to accepted, so of two editors accepting at once one
changes the article and the other finds it done; the article row is locked while its variants
are rewritten, so accepts of different wordings for one article never lose each other's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record
from app.config import Settings
from app.conversations.models import Conversation
from app.db_util import insert_ignore, rowcount
from app.errors import Conflict, NotFound, ValidationFailed
from app.escalation.models import Handoff
from app.kb.articles import bump_version
from app.kb.models import Article
from app.kb.normalizer import normalize_words, words
from app.kb.schemas import MAX_VARIANTS
from app.kb.service import KnowledgeBase
from app.learning.models import LearnedPhrasing, LearnedSource
from app.learning.scrub import scrub, wording_key
from app.learning.sources import wording_before_handoff

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
# A variant is a question, not a story: a message of several sentences (what happened, then
# the question) shares words with many articles, and as a variant it would draw their
# customers to this one. Longer wordings are not proposed.
MAX_WORDS = 15
CHOSEN_SUGGESTION, AGENT_ANSWER = "chosen_suggestion", "agent_answer"


async def propose(
    session: AsyncSession,
    kb: KnowledgeBase,
    *,
    text: str,
    slug: str,
    source: str,
    conversation_id: int,
    contact_id: int | None,
    now: datetime,
) -> LearnedPhrasing | None:
    """Record that ``text`` led this conversation to ``slug``; the proposal, or None when
    there is nothing to learn (no words left once scrubbed, or the KB already answers it
    with that article)."""
    wording = scrub(text)
    if not wording or not normalize_words(words(wording)) or len(words(wording)) > MAX_WORDS:
        return None
    result = await kb.search(session, wording, limit=1, count=False)
    if result.decision == "answer" and result.matches and result.matches[0].slug == slug:
        return None
    key = wording_key(wording)
    await insert_ignore(
        session,
        LearnedPhrasing,
        {
            "slug": slug,
            "text": wording,
            "text_key": key,
            "source": source,
            "count": 0,
            "customers": 0,
            "status": PENDING,
            "pulls": [],
            "first_seen": now,
            "last_seen": now,
        },
        conflict_columns=["slug", "text_key"],
    )
    phrasing = await session.scalar(
        select(LearnedPhrasing).where(LearnedPhrasing.slug == slug, LearnedPhrasing.text_key == key)
    )
    assert phrasing is not None
    added = await insert_ignore(
        session,
        LearnedSource,
        {
            "phrasing_id": phrasing.id,
            "conversation_id": conversation_id,
            "contact_id": contact_id,
            "source": source,
            "created_at": now,
        },
        conflict_columns=["phrasing_id", "conversation_id"],
    )
    if added is None:
        return phrasing  # this conversation was counted before
    customers = select(func.count(func.distinct(LearnedSource.contact_id))).where(
        LearnedSource.phrasing_id == phrasing.id
    )
    await session.execute(
        update(LearnedPhrasing)
        .where(LearnedPhrasing.id == phrasing.id)
        .values(
            count=LearnedPhrasing.count + 1,
            customers=customers.scalar_subquery(),
            last_seen=now,
        )
        .execution_options(synchronize_session=False)
    )
    await session.refresh(phrasing)
    return phrasing


async def list_learned(
    session: AsyncSession, *, status: str | None, limit: int, after: int | None
) -> list[LearnedPhrasing]:
    """Newest first (by id), ``after`` the cursor's id."""
    query = select(LearnedPhrasing).order_by(LearnedPhrasing.id.desc()).limit(limit)
    if status is not None:
        query = query.where(LearnedPhrasing.status == status)
    if after is not None:
        query = query.where(LearnedPhrasing.id < after)
    return list(await session.scalars(query))


async def _get(session: AsyncSession, phrasing_id: int) -> LearnedPhrasing:
    phrasing = await session.get(LearnedPhrasing, phrasing_id)
    if phrasing is None:
        raise NotFound(f"learned phrasing {phrasing_id} does not exist")
    return phrasing


async def accept(
    session: AsyncSession, *, phrasing_id: int, actor: str, now: datetime
) -> LearnedPhrasing:
    """Make the wording a variant of its article (idempotent: accepted stays accepted). A
    refusal (the article is gone or has no room) is raised before anything changes."""
    phrasing = await _get(session, phrasing_id)
    if phrasing.status == ACCEPTED:
        return phrasing
    article = await session.scalar(
        select(Article).where(Article.slug == phrasing.slug).with_for_update()
    )
    if article is None:
        raise Conflict(f"article {phrasing.slug!r} no longer exists", code="article_not_found")
    variants = list(article.variants or [])
    known = {wording_key(v) for v in (article.question, *variants)}
    new = wording_key(phrasing.text) not in known
    if new and len(variants) >= MAX_VARIANTS:
        raise Conflict(
            f"article {article.slug!r} already has {MAX_VARIANTS} variants",
            code="too_many_variants",
        )
    won = await session.execute(
        update(LearnedPhrasing)
        .where(LearnedPhrasing.id == phrasing_id, LearnedPhrasing.status != ACCEPTED)
        .values(status=ACCEPTED, decided_at=now, decided_by=actor)
        .execution_options(synchronize_session=False)
    )
    if rowcount(won):
        # The article row is locked: another editor's accept waits here, then finds it done.
        if new:
            article.variants = [*variants, phrasing.text]
            article.revision += 1
            article.updated_at = now
            await bump_version(session, now=now)  # index, vectors and calibration refresh
        await record(
            session,
            actor=actor,
            action="kb.learned.accept",
            target=f"learned:{phrasing_id}",
            details={"slug": phrasing.slug, "source": phrasing.source},
            at=now,
        )
    await session.refresh(phrasing)
    return phrasing


async def reject(
    session: AsyncSession, *, phrasing_id: int, actor: str, now: datetime
) -> LearnedPhrasing:
    """Mark it rejected (idempotent). An accepted wording stays a variant: edit the article."""
    phrasing = await _get(session, phrasing_id)
    if phrasing.status == ACCEPTED:
        raise Conflict(
            "already accepted: it is a variant of the article now; remove it there",
            code="already_accepted",
        )
    won = await session.execute(
        update(LearnedPhrasing)
        .where(LearnedPhrasing.id == phrasing_id, LearnedPhrasing.status == PENDING)
        .values(status=REJECTED, decided_at=now, decided_by=actor)
        .execution_options(synchronize_session=False)
    )
    if rowcount(won):
        await record(
            session,
            actor=actor,
            action="kb.learned.reject",
            target=f"learned:{phrasing_id}",
            details={"slug": phrasing.slug, "source": phrasing.source},
            at=now,
        )
    await session.refresh(phrasing)
    return phrasing


async def require_article(session: AsyncSession, kb: KnowledgeBase, slug: str) -> None:
    """422 unless ``slug`` is an active article (a resolve names the one that answered)."""
    if await kb.get_article(session, slug) is None:
        raise ValidationFailed(f"article {slug!r} does not exist", code="unknown_article")


async def learn_from_handoff(
    session: AsyncSession,
    kb: KnowledgeBase,
    settings: Settings,
    *,
    handoff: Handoff,
    slug: str,
    now: datetime,
) -> LearnedPhrasing | None:
    """An agent resolved ``handoff`` with article ``slug``: propose what the customer asked."""
    if settings.kb_learning == "off":
        return None
    text = await wording_before_handoff(session, handoff.conversation_id)
    if text is None:
        return None
    contact_id = await session.scalar(
        select(Conversation.contact_id).where(Conversation.id == handoff.conversation_id)
    )
    return await propose(
        session,
        kb,
        text=text,
        slug=slug,
        source=AGENT_ANSWER,
        conversation_id=handoff.conversation_id,
        contact_id=contact_id,
        now=now,
    )


async def forget_contact(session: AsyncSession, *, contact_id: int) -> None:
    """Erasure: the contact's part in proposals goes; a pending proposal nobody else gave
    goes with it, the others are counted again. An accepted wording is KB content now."""
    touched = list(
        await session.scalars(
            select(LearnedSource.phrasing_id).where(LearnedSource.contact_id == contact_id)
        )
    )
    if not touched:
        return
    await session.execute(delete(LearnedSource).where(LearnedSource.contact_id == contact_id))
    for phrasing_id in set(touched):
        count, customers = (
            await session.execute(
                select(
                    func.count(LearnedSource.id),
                    func.count(func.distinct(LearnedSource.contact_id)),
                ).where(LearnedSource.phrasing_id == phrasing_id)
            )
        ).one()
        pending = LearnedPhrasing.id == phrasing_id, LearnedPhrasing.status == PENDING
        if count == 0:
            await session.execute(delete(LearnedPhrasing).where(*pending))
        else:
            await session.execute(
                update(LearnedPhrasing)
                .where(*pending)
                .values(count=count, customers=customers)
                .execution_options(synchronize_session=False)
            )


def as_item(phrasing: LearnedPhrasing) -> dict[str, Any]:
    return {
        "id": phrasing.id,
        "text": phrasing.text,
        "slug": phrasing.slug,
        "source": phrasing.source,
        "count": phrasing.count,
        "customers": phrasing.customers,
        "first_seen": phrasing.first_seen,
        "last_seen": phrasing.last_seen,
        "status": phrasing.status,
        "flagged": bool(phrasing.pulls),
        "pulls": phrasing.pulls or [],
    }
