"""SQLite to PostgreSQL: every table copied in batches, ids kept, sequences moved past them.

Generic over ``Base.metadata.sorted_tables`` (parents before children, so foreign keys hold
at every insert): a table another issue adds is copied without a change here. Rows go
through the models' column types, so SQLite's text timestamps and JSON arrive as
PostgreSQL's own types.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from app.models import Base

logger = logging.getLogger(__name__)

BATCH_ROWS = 2000


async def copy_sqlite_to_postgres(source: Path, target: AsyncConnection) -> dict[str, int]:
    """Copy every model table from the SQLite file ``source`` (already at the current schema)
    into ``target`` (migrated, inside its transaction); returns the rows copied per table."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{source}")
    copied: dict[str, int] = {}
    try:
        async with engine.connect() as reader:
            present = set(await reader.run_sync(lambda c: c.dialect.get_table_names(c)))
            tables = [t for t in Base.metadata.sorted_tables if t.name in present]
            for table in reversed(tables):  # the rows migrations seed (kb_state) make way
                await target.execute(table.delete())
            for table in tables:
                copied[table.name] = await _copy_table(reader, target, table)
                await _move_sequences(target, table)
    finally:
        await engine.dispose()
    return copied


async def _copy_table(reader: AsyncConnection, target: AsyncConnection, table: Table) -> int:
    total = 0
    order = list(table.primary_key.columns) or list(table.columns)
    result = await reader.stream(select(table).order_by(*order))
    async for batch in result.mappings().partitions(BATCH_ROWS):
        await target.execute(table.insert(), [dict(row) for row in batch])
        total += len(batch)
    logger.info("copied a table", extra={"table": table.name, "rows": total})
    return total


async def _move_sequences(target: AsyncConnection, table: Table) -> None:
    """A copied id was not drawn from its sequence: without this, the next insert would
    collide with the first copied row."""
    for column in table.primary_key.columns:
        sequence = (
            await target.execute(select(func.pg_get_serial_sequence(table.name, column.name)))
        ).scalar_one_or_none()
        if sequence is None:
            continue
        await target.execute(
            text(
                f'SELECT setval(:sequence, coalesce((SELECT max("{column.name}") FROM'
                f' "{table.name}"), 1), (SELECT count(*) > 0 FROM "{table.name}"))'
            ),
            {"sequence": sequence},
        )
