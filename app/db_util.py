"""``INSERT .. ON CONFLICT`` statements that SQLAlchemy compiles once.

SQLAlchemy 2.0 never caches its dialect ``on_conflict_*`` constructs, so each execution was
compiled from scratch: on the message path that was a third of the engine's CPU. PostgreSQL
and SQLite (3.35+) share this syntax, so one textual statement per shape serves both; the
table's column types still convert values in and out (UTC datetimes, JSON).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, Table, TextClause, bindparam, delete, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from app.db import Base

M = TypeVar("M", bound=Base)

# Well under SQLite's limit of 32,766 parameters per statement for any of our tables.
SQLITE_ROWS_PER_STATEMENT = 50


@lru_cache(maxsize=128)
def upsert_statement(
    table: Table,
    columns: tuple[str, ...],
    *,
    conflict: tuple[str, ...],
    update_sql: str | None = None,
    index_where: str | None = None,
    returning: tuple[str, ...] = ("id",),
    rows: int = 1,
) -> Any:
    """``INSERT INTO table (columns) VALUES (:columns) ON CONFLICT (conflict) [WHERE
    index_where] DO NOTHING | DO UPDATE SET update_sql RETURNING returning``.

    With ``rows`` > 1, one VALUES tuple per row, whose parameters are ``<column>_<row>``."""
    target = f"({', '.join(conflict)})" + (f" WHERE {index_where}" if index_where else "")
    action = f"DO UPDATE SET {update_sql}" if update_sql else "DO NOTHING"
    names = [[c if rows == 1 else f"{c}_{n}" for c in columns] for n in range(rows)]
    values = ", ".join("(" + ", ".join(":" + name for name in row) + ")" for row in names)
    statement = text(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {values}"
        f" ON CONFLICT {target} {action} RETURNING {', '.join(returning)}"
    ).bindparams(
        *(
            bindparam(name, type_=table.c[column].type)
            for row in names
            for name, column in zip(row, columns, strict=True)
        )
    )
    return statement.columns(*(table.c[c] for c in returning))


@lru_cache(maxsize=32)
def _upsert_arrays_statement(
    table: Table,
    columns: tuple[str, ...],
    *,
    conflict: tuple[str, ...],
    update_sql: str | None,
    returning: tuple[str, ...],
) -> Any:
    """PostgreSQL's many-row form of ``upsert_statement``: one array per column, unnested in
    order. Its text does not depend on the row count, so it is compiled and prepared once."""
    dialect = postgresql.dialect()
    arrays = ", ".join(
        f"CAST(:{c} AS {table.c[c].type.compile(dialect=dialect)}[])" for c in columns
    )
    names = ", ".join(columns)
    action = f"DO UPDATE SET {update_sql}" if update_sql else "DO NOTHING"
    statement = text(
        f"INSERT INTO {table.name} ({names})"
        f" SELECT {names} FROM unnest({arrays}) WITH ORDINALITY AS rows({names}, n) ORDER BY n"
        f" ON CONFLICT ({', '.join(conflict)}) {action} RETURNING {', '.join(returning)}"
    )
    return statement.columns(*(table.c[c] for c in returning))


async def upsert_rows(
    session: AsyncSession,
    model: type[M],
    rows: Sequence[Mapping[str, Any]],
    *,
    conflict: tuple[str, ...],
    update_sql: str | None = None,
) -> list[M]:
    """``upsert_statement`` for many rows (all with the same keys), returning the rows it
    inserted or updated as loaded objects; rows skipped by DO NOTHING are absent.

    One statement on PostgreSQL, whatever the count; on SQLite one per
    ``SQLITE_ROWS_PER_STATEMENT`` rows (a statement text per row count, so counts vary less
    than on PostgreSQL's arrays). Values are not converted by the column types on PostgreSQL
    (asyncpg takes the arrays as they are): timestamps must be timezone-aware and JSON
    columns are not supported.
    """
    if not rows:
        return []
    table, columns = model.__table__, tuple(rows[0])
    returning = all_columns(model)
    options = {"populate_existing": True}
    if session.get_bind().dialect.name == "postgresql":
        statement = _upsert_arrays_statement(
            table, columns, conflict=conflict, update_sql=update_sql, returning=returning
        )
        arrays = {c: [row[c] for row in rows] for c in columns}
        result = await session.scalars(
            select(model).from_statement(statement), arrays, execution_options=options
        )
        return list(result)
    loaded: list[M] = []
    for start in range(0, len(rows), SQLITE_ROWS_PER_STATEMENT):
        chunk = rows[start : start + SQLITE_ROWS_PER_STATEMENT]
        statement = upsert_statement(
            table,
            columns,
            conflict=conflict,
            update_sql=update_sql,
            returning=returning,
            rows=len(chunk),
        )
        params = (
            dict(chunk[0])
            if len(chunk) == 1
            else {f"{c}_{n}": row[c] for n, row in enumerate(chunk) for c in columns}
        )
        result = await session.scalars(
            select(model).from_statement(statement), params, execution_options=options
        )
        loaded.extend(result)
    return loaded


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
    # OFFSET 0 keeps the check a per-row probe of the key index. Without it PostgreSQL may
    # turn NOT EXISTS into an anti-join, and when its statistics say the queue is nearly
    # empty (a new table, or a quiet one suddenly backed up) it joins every pending row
    # with every other: half a second per claim at 2,000 pending rows.
    blocked = (
        select(older.id)
        .where(
            pending(older),
            *(getattr(older, column) == getattr(model, column) for column in key),
            older.id < model.id,
        )
        .offset(0)
        .exists()
    )
    return (
        select(model)
        .where(pending(model), due, ~blocked)
        .order_by(model.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=model)
    )


def rowcount(result: object) -> int:
    """The rows an UPDATE or DELETE changed. ``execute`` is typed to return a plain
    ``Result``, which has no ``rowcount``; a DML statement's result (a ``CursorResult``) has."""
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_chosen(session: AsyncSession, model: Any, chosen: Select[Any]) -> int:
    """Delete the rows whose ids ``chosen`` selects (a bounded chunk: give it a LIMIT);
    the number deleted."""
    result = await session.execute(
        delete(model)
        .where(model.id.in_(chosen.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def in_chunks(
    sessionmaker: async_sessionmaker[AsyncSession],
    step: Callable[[AsyncSession], Awaitable[int]],
    chunk: int,
) -> int:
    """Run ``step`` (which changes at most ``chunk`` rows and says how many) a transaction at
    a time until it changes fewer: a backlog never becomes one long write holding locks.
    The rows changed in all."""
    total = 0
    while True:
        async with sessionmaker() as session, session.begin():
            done = await step(session)
        total += done
        if done < chunk:
            return total


@contextlib.asynccontextmanager
async def queued_transaction(
    sessionmaker: async_sessionmaker[AsyncSession], writer_queue: asyncio.Lock | None
) -> AsyncIterator[AsyncSession]:
    """A background job's transaction, behind the SQLite writer queue when there is one (so
    a job never holds SQLite's write lock while requests wait for it)."""
    async with writer_queue or contextlib.nullcontext(), sessionmaker() as session, session.begin():
        yield session
