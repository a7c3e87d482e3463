"""Publishing a KB draft: the editor's article, created through the KB service, with the
gap's wordings as its variants. Once per draft (409 after)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.assist.errors import DraftAlreadyPublished, DraftNotFound
from app.assist.kb_drafts import gap_groups
from app.assist.models import PublishedDraft
from app.audit.service import actor_of, record
from app.auth import Principal
from app.db import utcnow
from app.kb.articles import create_article
from app.kb.models import Article
from app.kb.schemas import MAX_QUESTION, MAX_VARIANTS, ArticleIn


def merged_variants(article: ArticleIn, wordings: list[str]) -> list[str]:
    """The editor's variants, then the gap's wordings (each once, never the question, none
    the CSV could not carry), at most ``MAX_VARIANTS``."""
    seen = {article.question.casefold()}
    out = []
    for text in [*article.variants, *wordings]:
        text = " ".join(text.split())
        if text and "|" not in text and len(text) <= MAX_QUESTION and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return out[:MAX_VARIANTS]


async def publish_draft(
    session: AsyncSession,
    *,
    draft_id: str,
    article: ArticleIn,
    days: int,
    max_articles: int,
    principal: Principal,
) -> Article:
    if await session.scalar(select(PublishedDraft.slug).where(PublishedDraft.draft_id == draft_id)):
        raise DraftAlreadyPublished(f"draft {draft_id} is already published")
    gap = next((g for g in await gap_groups(session, days=days) if g.id == draft_id), None)
    if gap is None:
        raise DraftNotFound(f"no KB draft {draft_id} (the gap may have been answered)")
    now = utcnow()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    claimed = await session.scalar(
        dialect.insert(PublishedDraft)
        .values(draft_id=draft_id, slug=article.slug, published_at=now)
        .on_conflict_do_nothing(index_elements=["draft_id"])
        .returning(PublishedDraft.draft_id)
    )
    if claimed is None:  # another editor published it meanwhile
        raise DraftAlreadyPublished(f"draft {draft_id} is already published")
    data = article.model_copy(update={"variants": merged_variants(article, gap.wordings())})
    created = await create_article(session, data, max_articles=max_articles, now=now)
    await record(
        session,
        actor=actor_of(principal),
        action="kb.draft_published",
        target=article.slug,
        details={"draft_id": draft_id, "variants": len(data.variants)},
        at=now,
    )
    return created
