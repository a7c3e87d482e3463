"""Article storage: CRUD, all-or-nothing import, export. Services flush, never commit.

Every write bumps ``kb_state.version`` in the same transaction, which is how every replica
learns that its search index is stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_util import rowcount
from app.errors import AppError, Conflict, NotFound, ValidationFailed
from app.kb.models import Article, KbState
from app.kb.schemas import ArticleIn, ArticlePatch, ImportResult

EXPORT_FIELDS = (
    "slug",
    "question",
    "variants",
    "answer",
    "url",
    "category",
    "tags",
    "active",
    "body",
    "translations",
)


class InvalidArticle(ValidationFailed):
    code = "invalid_article"


class TooManyArticles(ValidationFailed):
    code = "too_many_articles"


class EditConflict(Conflict):
    """The article changed since the revision the editor started from (``If-Match``)."""

    code = "edit_conflict"


def _guard(article: Article, expected_revision: int | None) -> ColumnElement[bool]:
    """The WHERE of a write to ``article``: with a precondition, only at that revision. Of
    two saves from the same revision the database lets one through (PostgreSQL re-checks
    the WHERE after the row lock; SQLite runs writers one at a time); the other changes no
    row."""
    if expected_revision is not None and article.revision != expected_revision:
        raise _missed(article.slug, expected_revision, article.revision)
    if expected_revision is None:
        return Article.id == article.id
    return (Article.id == article.id) & (Article.revision == expected_revision)


def _missed(slug: str, expected_revision: int | None, current: int | None = None) -> AppError:
    if expected_revision is None:  # deleted meanwhile
        return NotFound(f"no article with slug {slug!r}", code="article_not_found")
    return EditConflict(
        f"article {slug!r} was changed by someone else since revision {expected_revision}: "
        "reload it and apply your change again",
        details={"slug": slug, "revision": current},
    )


async def bump_version(session: AsyncSession, *, now: datetime) -> None:
    await session.execute(
        update(KbState).where(KbState.id == 1).values(version=KbState.version + 1, updated_at=now)
    )


async def current_version(session: AsyncSession) -> int:
    return int(await session.scalar(select(KbState.version).where(KbState.id == 1)) or 0)


def validate_articles(raw: Sequence[Any], *, max_articles: int) -> list[ArticleIn]:
    """Check every article before anything is written; the first problem names its article."""
    if len(raw) > max_articles:
        raise TooManyArticles(f"{len(raw)} articles given, the limit is {max_articles}")
    valid: list[ArticleIn] = []
    seen: dict[str, int] = {}
    for position, item in enumerate(raw):
        slug = item.get("slug") if isinstance(item, dict) else None
        name = f"article {position}" + (f" (slug {slug!r})" if slug else "")
        try:
            article = ArticleIn.model_validate(item)
        except ValidationError as exc:
            problems = [
                {"field": ".".join(str(p) for p in e["loc"]) or "article", "message": e["msg"]}
                for e in exc.errors()
            ]
            first = problems[0]
            raise InvalidArticle(
                f"{name}: {first['field']}: {first['message']}",
                details={"index": position, "slug": slug, "errors": problems},
            ) from None
        if article.slug in seen:
            raise InvalidArticle(
                f"{name}: duplicate slug, also at article {seen[article.slug]}",
                details={"index": position, "slug": article.slug, "errors": []},
            )
        seen[article.slug] = position
        valid.append(article)
    return valid


async def import_articles(
    session: AsyncSession,
    raw: Sequence[Any],
    *,
    mode: Literal["upsert", "replace"],
    max_articles: int,
    now: datetime,
) -> ImportResult:
    articles = validate_articles(raw, max_articles=max_articles)
    existing = {a.slug: a for a in await session.scalars(select(Article))}
    incoming = {a.slug for a in articles}
    kept = len(existing.keys() & incoming) if mode == "replace" else len(existing)
    if kept + len(incoming - existing.keys()) > max_articles:
        raise TooManyArticles(f"the knowledge base would exceed {max_articles} articles")
    created = updated = unchanged = deleted = 0
    for article in articles:
        row = existing.get(article.slug)
        values = article.model_dump()
        if row is None:
            session.add(Article(**values, created_at=now, updated_at=now))
            created += 1
        elif all(getattr(row, key) == value for key, value in values.items()):
            # Not written: export-then-import changes nothing, not even updated_at.
            unchanged += 1
        else:
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at, row.revision = now, row.revision + 1
            updated += 1
    if mode == "replace":
        stale = [slug for slug in existing if slug not in incoming]
        if stale:
            await session.execute(delete(Article).where(Article.slug.in_(stale)))
            deleted = len(stale)
    await session.flush()
    if created or updated or deleted:
        # An unchanged KB keeps its version: no replica rebuilds its index for nothing.
        await bump_version(session, now=now)
    return ImportResult(created=created, updated=updated, unchanged=unchanged, deleted=deleted)


async def list_articles(session: AsyncSession, *, active_only: bool = False) -> list[Article]:
    query = select(Article).order_by(Article.slug)
    if active_only:
        query = query.where(Article.active.is_(True))
    return list(await session.scalars(query))


async def count_articles(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Article)) or 0)


async def get_article(session: AsyncSession, slug: str) -> Article:
    article = await session.scalar(select(Article).where(Article.slug == slug))
    if article is None:
        raise NotFound(f"no article with slug {slug!r}", code="article_not_found")
    return article


async def create_article(
    session: AsyncSession, data: ArticleIn, *, max_articles: int, now: datetime
) -> Article:
    if await session.scalar(select(Article.id).where(Article.slug == data.slug)) is not None:
        raise Conflict(f"an article with slug {data.slug!r} exists", code="duplicate_slug")
    count = await session.scalar(select(func.count()).select_from(Article)) or 0
    if count >= max_articles:
        raise TooManyArticles(f"the knowledge base is full ({max_articles} articles)")
    article = Article(**data.model_dump(), created_at=now, updated_at=now)
    session.add(article)
    await session.flush()
    await bump_version(session, now=now)
    return article


async def update_article(
    session: AsyncSession,
    slug: str,
    patch: ArticlePatch,
    *,
    now: datetime,
    expected_revision: int | None = None,
) -> Article:
    """Apply ``patch``. With ``expected_revision`` (the editor's ``If-Match``) the save is
    refused with 409 when the article moved on since: each field is replaced whole (the
    variants list too), so a stale editor would silently undo the other save otherwise."""
    article = await get_article(session, slug)
    changes = patch.model_dump(exclude_unset=True)
    for key in ("question", "answer", "variants", "tags", "active", "translations"):
        if key in changes and changes[key] is None:
            raise InvalidArticle(f"{key} cannot be null")
    result = await session.execute(
        update(Article)
        .where(_guard(article, expected_revision))
        .values(**changes, updated_at=now, revision=Article.revision + 1)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) == 0:
        raise _missed(slug, expected_revision)
    await session.refresh(article)
    await bump_version(session, now=now)
    return article


async def delete_article(
    session: AsyncSession, slug: str, *, now: datetime, expected_revision: int | None = None
) -> None:
    article = await get_article(session, slug)
    result = await session.execute(
        delete(Article)
        .where(_guard(article, expected_revision))
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) == 0:
        raise _missed(slug, expected_revision)
    session.expunge(article)
    await bump_version(session, now=now)


def export_article(article: Article) -> dict[str, Any]:
    return {field: getattr(article, field) for field in EXPORT_FIELDS}
