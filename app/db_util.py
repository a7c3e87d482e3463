"""Portable statements that SQLAlchemy spells differently per dialect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Base


def dialect_insert(session: AsyncSession, model: type[Base]) -> Any:
    """The dialect's own INSERT construct, which knows ``ON CONFLICT``."""
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(model)


async def insert_ignore(
    session: AsyncSession,
    model: type[Base],
    values: dict[str, Any],
    *,
    conflict_columns: Sequence[str],
    index_where: Any = None,
) -> int | None:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: the new id, or None if it existed.

    The database decides (no read-then-write), so concurrent duplicates cannot both win.
    """
    statement = (
        dialect_insert(session, model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(conflict_columns), index_where=index_where)
        .returning(model.id)  # type: ignore[attr-defined]
    )
    result = await session.execute(statement)
    return result.scalar_one_or_none()
