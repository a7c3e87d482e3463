"""Categories' public face (name, description, order): read and replaced as a whole list.

Articles name their category by slug; a category used by articles but never described is
listed with a name made from its slug, so the editor and the help center show every one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import delete, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import ValidationFailed
from app.kb.articles import bump_version
from app.kb.models import Article, KbCategory

MAX_CATEGORIES = 500
# Undescribed categories come after the described ones, alphabetically.
UNDESCRIBED_POSITION = 10_000

CategorySlug = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class CategoryTranslation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Description | None = None


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: CategorySlug
    name: Name
    description: Description | None = None
    position: int = Field(default=0, ge=0, le=1_000_000)
    translations: dict[str, CategoryTranslation] = Field(default_factory=dict)


class CategoryOut(BaseModel):
    slug: str
    name: str
    description: str | None
    position: int
    translations: dict[str, dict[str, str | None]] = Field(default_factory=dict)


class CategoryList(BaseModel):
    items: list[CategoryOut]


class CategoriesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[CategoryIn] = Field(max_length=MAX_CATEGORIES)


def name_from_slug(slug: str) -> str:
    """ "cara-bayar" -> "Cara bayar": a readable stand-in until an editor names it."""
    words = slug.replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else slug


async def list_categories(session: AsyncSession) -> list[CategoryOut]:
    """Described categories by position, then those only articles name."""
    rows = list(await session.scalars(select(KbCategory)))
    used = set(
        await session.scalars(
            select(Article.category).where(Article.category.is_not(None)).distinct()
        )
    )
    items = [
        CategoryOut(
            slug=r.slug,
            name=r.name,
            description=r.description,
            position=r.position,
            translations=r.translations or {},
        )
        for r in rows
    ]
    described = {r.slug for r in rows}
    items += [
        CategoryOut(
            slug=slug, name=name_from_slug(slug), description=None, position=UNDESCRIBED_POSITION
        )
        for slug in used - described
        if slug
    ]
    items.sort(key=lambda c: (c.position, c.name.casefold(), c.slug))
    return items


async def replace_categories(
    session: AsyncSession, items: list[CategoryIn], *, now: datetime
) -> None:
    """The described categories become exactly ``items``; the KB version moves, so every
    replica's help pages show the change."""
    seen: set[str] = set()
    for item in items:
        if item.slug in seen:
            raise ValidationFailed(f"category {item.slug!r} is given twice", code="duplicate_slug")
        seen.add(item.slug)
    await session.execute(
        delete(KbCategory).where(KbCategory.slug.not_in(seen) if seen else true())
    )
    existing = {r.slug: r for r in await session.scalars(select(KbCategory))}
    for item in items:
        values = item.model_dump()
        values["translations"] = {
            lang: t.model_dump(exclude_none=True) for lang, t in item.translations.items()
        }
        row = existing.get(item.slug)
        if row is None:
            session.add(KbCategory(**values, updated_at=now))
        else:
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = now
    await session.flush()
    await bump_version(session, now=now)
