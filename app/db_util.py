"""``INSERT .. ON CONFLICT`` statements that SQLAlchemy compiles once.

SQLAlchemy 2.0 never caches its dialect ``on_conflict_*`` constructs, so each execution was
compiled from scratch: on the message path that was a third of the engine's CPU. PostgreSQL
and SQLite (3.35+) share this syntax, so one textual statement per shape serves both; the
table's column types still convert values in and out (UTC datetimes, JSON).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, TextClause, bindparam, exists, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.db import Base


@lru_cache(maxsize=128)
def upsert_statement(
    table: Table,
    columns: tuple[str, ...],
    *,
    conflict: tuple[str, ...],
    update_sql: str | None = None,
    index_where: str | None = None,
    returning: tuple[str, ...] = ("id",),
) -> Any:
    """``INSERT INTO table (columns) VALUES (:columns) ON CONFLICT (conflict) [WHERE
    index_where] DO NOTHING | DO UPDATE SET update_sql RETURNING returning``."""
    target = f"({', '.join(conflict)})" + (f" WHERE {index_where}" if index_where else "")
    action = f"DO UPDATE SET {update_sql}" if update_sql else "DO NOTHING"
    statement = text(
        f"INSERT INTO {table.name} ({', '.join(columns)})"
        f" VALUES ({', '.join(':' + c for c in columns)})"
        f" ON CONFLICT {target} {action} RETURNING {', '.join(returning)}"
    ).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))
    return statement.columns(*(table.c[c] for c in returning))


def all_columns(model: type[Base]) -> tuple[str, ...]:
    return tuple(c.name for c in model.__table__.columns)


async def insert_ignore(
    session: AsyncSession,
    model: type[Base],
    values: Mapping[str, Any],
    *,
    conflict_columns: Sequence[str],
    index_where: TextClause | None = None,
) -> int | None:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: the new id, or None if it existed.

    The database decides (no read-then-write), so concurrent duplicates cannot both win.
    """
    statement = upsert_statement(
        model.__table__,
        tuple(values),
        conflict=tuple(conflict_columns),
        index_where=str(index_where) if index_where is not None else None,
    )
    result = await session.execute(statement, dict(values))
    return result.scalar_one_or_none()


def first_in_line(
    model: Any,
    *,
    pending: Callable[[Any], ColumnElement[bool]],
    key: Sequence[str],
    due: ColumnElement[bool],
    limit: int,
) -> Select[Any]:
    """The oldest due pending rows whose key has no older pending row, locked: per-key FIFO
    queues that several workers drain at once.

    A row waits while an older row with the same key is still pending (even one another
    worker holds), so each key's rows are handled in order and a stuck row holds back only
    its own key. ``FOR UPDATE SKIP LOCKED`` lets workers on every replica claim at once; on
    SQLite the transaction's write lock does both jobs. ``pending`` is applied to the table
    and to its alias for the older rows.
    """
    older = aliased(model)
    blocked = exists().where(
        pending(older),
        *(getattr(older, column) == getattr(model, column) for column in key),
        older.id < model.id,
    )
    return (
        select(model)
        .where(pending(model), due, ~blocked)
        .order_by(model.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=model)
    )
