"""PostgreSQL: ``pg_dump`` / ``pg_restore`` run as child processes, and the schema swap.

A backup's row counts come from the very snapshot ``pg_dump`` reads: our transaction exports
it (``pg_export_snapshot``) and stays open while ``pg_dump --snapshot`` runs, so the manifest
and the dump agree however busy the service is.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from app.backup.errors import BackupError

# The old schema's name while a restore runs: renamed back if the restore fails, dropped once
# it succeeded.
PREVIOUS_SCHEMA = "router_restore_previous"


def find_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} not found on PATH: install PostgreSQL's client tools"
            " (Debian/Ubuntu: apt-get install postgresql-client; their major version must be"
            " at least the server's), or add their folder to PATH"
        )
    return path


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """The URL for pg_dump / pg_restore and their environment: the password goes in
    PGPASSWORD, never on a command line that `ps` shows."""
    parsed = make_url(url)
    query = dict(parsed.query)
    ssl = query.pop("ssl", None)
    if isinstance(ssl, str):
        query["sslmode"] = {"true": "require", "false": "disable"}.get(ssl, ssl)
    plain = parsed.set(drivername="postgresql", password=None, query=query)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return plain.render_as_string(hide_password=False), env


def engine_for(url: str) -> AsyncEngine:
    # No pool: a connection kept across the schema swap would hold statements prepared
    # against the tables set aside.
    return create_async_engine(url, poolclass=NullPool)


async def run_tool(name: str, *args: str, env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        find_tool(name),
        *args,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    if process.returncode != 0:
        detail = stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(f"{name} failed: {' / '.join(detail[-3:])[:500]}")


async def table_counts(connection: AsyncConnection) -> dict[str, int]:
    names = (
        await connection.execute(
            text(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                " ORDER BY table_name"
            )
        )
    ).scalars()
    counts: dict[str, int] = {}
    for name in list(names):
        counts[name] = (
            await connection.execute(text(f'SELECT count(*) FROM "{name}"'))
        ).scalar_one()
    return counts


async def schema_revision(connection: AsyncConnection) -> str:
    try:
        revision = (
            await connection.execute(text("SELECT version_num FROM alembic_version"))
        ).scalar_one_or_none()
    except Exception as exc:
        raise BackupError(f"not a router database: {str(exc).splitlines()[0]}") from None
    if revision is None:
        raise BackupError("the database has no schema revision: run `router migrate` first")
    return str(revision)


async def dump(url: str, destination: Path) -> tuple[str, dict[str, int], str]:
    """``pg_dump --format=custom`` into ``destination``: (revision, rows per table, schema)."""
    find_tool("pg_dump")  # before anything else: the clear error first
    target, env = libpq_target(url)
    engine = engine_for(url)
    try:
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="REPEATABLE READ")
            async with connection.begin():
                snapshot_id = (
                    await connection.execute(text("SELECT pg_export_snapshot()"))
                ).scalar_one()
                schema = (await connection.execute(text("SELECT current_schema()"))).scalar_one()
                revision = await schema_revision(connection)
                counts = await table_counts(connection)
                await run_tool(
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot_id}",
                    f"--schema={schema}",
                    f"--file={destination}",
                    f"--dbname={target}",
                    env=env,
                )
    finally:
        await engine.dispose()
    return revision, counts, str(schema)


async def pg_restore(url: str, payload: Path) -> None:
    """Load a custom-format dump in one transaction: it lands whole or not at all."""
    target, env = libpq_target(url)
    await run_tool(
        "pg_restore",
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        "--no-privileges",
        f"--dbname={target}",
        str(payload),
        env=env,
    )


async def current_schema(engine: AsyncEngine) -> str:
    async with engine.connect() as connection:
        return str((await connection.execute(text("SELECT current_schema()"))).scalar_one())


async def set_aside(engine: AsyncEngine, schema: str, *, recreate: bool) -> None:
    """Rename the target's schema out of the way; ``recreate`` starts an empty one in its
    place (a pg_dump archive of a schema creates the schema itself)."""
    async with engine.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA IF EXISTS "{PREVIOUS_SCHEMA}" CASCADE'))
        await connection.execute(text(f'ALTER SCHEMA "{schema}" RENAME TO "{PREVIOUS_SCHEMA}"'))
        if recreate:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))


async def put_back(engine: AsyncEngine, schema: str) -> None:
    """Undo ``set_aside``: the target is as it was before the restore began."""
    async with engine.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await connection.execute(text(f'ALTER SCHEMA "{PREVIOUS_SCHEMA}" RENAME TO "{schema}"'))


async def drop_previous(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA IF EXISTS "{PREVIOUS_SCHEMA}" CASCADE'))


async def other_sessions(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(
            (
                await connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid()"
                    )
                )
            ).scalar_one()
        )
