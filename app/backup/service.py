"""``router backup`` and ``router restore``: what to snapshot, where to put it, and the order of
a restore's steps (check the file, check the target, stage, migrate, verify, swap in)."""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from app.backup import postgres, sqlite
from app.backup.archive import Manifest, extract_payload, file_sha256, read_manifest, write_archive
from app.backup.errors import BackupError
from app.backup.retention import prune
from app.backup.verify import require_empty, verify_counts
from app.config import Settings
from app.db import create_engine, utcnow
from app.migrate import upgrade

logger = logging.getLogger(__name__)

DEFAULT_DIRECTORY = Path("backups")
PAYLOAD_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


def default_name() -> str:
    return f"router-{utcnow():%Y%m%dT%H%M%SZ}.tar"


async def create_backup(settings: Settings, output: Path | None, keep: int | None = None) -> Path:
    """Snapshot the database into one backup file; with ``keep``, delete this tool's older
    backups in the same folder beyond the newest ``keep``. Returns the file's path."""
    destination = output or DEFAULT_DIRECTORY / default_name()
    backend = "sqlite" if settings.is_sqlite else "postgresql"
    # The clear errors before anything is made.
    source = settings.sqlite_path()
    if backend == "postgresql":
        postgres.find_tool("pg_dump")
    elif source is None:
        raise BackupError("an in-memory SQLite database cannot be backed up")
    elif not source.is_file():
        raise BackupError(
            f"no SQLite database at {source.resolve()}: give --database or run"
            " this where the service runs"
        )
    if destination.exists():  # an older backup may be overwritten, never another file
        try:
            read_manifest(destination)
        except BackupError:
            raise BackupError(f"{destination} exists and is not a router backup") from None
    destination.parent.mkdir(parents=True, exist_ok=True)
    # The snapshot is staged beside the backup: the space it needs is there anyway.
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".router-backup-") as work:
        payload = Path(work) / PAYLOAD_NAMES[backend]
        extra: dict[str, str] = {}
        if source is not None:
            await asyncio.to_thread(sqlite.snapshot, source, payload)
            revision = await asyncio.to_thread(sqlite.schema_revision, payload)
            counts = await asyncio.to_thread(sqlite.table_counts, payload)
        else:
            revision, counts, schema = await postgres.dump(settings.database_url, payload)
            extra["schema"] = schema
        manifest = Manifest(
            backend=backend,
            schema_revision=revision,
            tables=counts,
            created_at=utcnow().isoformat(timespec="microseconds"),  # orders retention
            payload_name=payload.name,
            payload_size=payload.stat().st_size,
            payload_sha256=await asyncio.to_thread(file_sha256, payload),
            extra=extra,
        )
        await asyncio.to_thread(write_archive, destination, manifest, payload)
    logger.info(
        "backup written",
        extra={"path": str(destination), "revision": revision, "rows": sum(counts.values())},
    )
    if keep is not None:
        prune(destination.parent, keep)
    return destination


async def restore_backup(settings: Settings, file: Path, *, force: bool = False) -> Manifest:
    """Restore ``file`` into the database ``settings`` names, migrated to the current schema.

    Nothing touches the target until the file is checked whole (checksum, manifest) and the
    restored data is staged, migrated and counted; then it is swapped in at once. Without
    ``force`` a target holding any data is refused."""
    manifest = read_manifest(file)  # a file that is no backup at all fails in a millisecond
    if settings.is_sqlite:
        if manifest.backend != "sqlite":
            raise BackupError(
                "a PostgreSQL backup restores into PostgreSQL only: give --database"
                " postgresql+asyncpg://..."
            )
        return await _restore_into_sqlite(settings, file, force=force)
    if manifest.backend == "sqlite":
        return await _move_sqlite_into_postgres(settings.database_url, file, force=force)
    return await _restore_into_postgres(settings.database_url, file, force=force)


async def _restore_into_sqlite(settings: Settings, file: Path, *, force: bool) -> Manifest:
    target = settings.sqlite_path()
    if target is None:
        raise BackupError("restore into an in-memory SQLite database makes no sense")
    if target.exists():
        await require_empty(await asyncio.to_thread(sqlite.table_counts, target), force=force)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Staged beside the target: the final rename stays on one filesystem, hence atomic.
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.restore-") as work:
        staged = Path(work) / target.name
        manifest = await _stage_sqlite(file, staged)
        await asyncio.to_thread(sqlite.standalone, staged)
        if target.exists():
            shutil.copymode(target, staged)  # the old file's permissions, not the umask's
        await asyncio.to_thread(sqlite.swap_into_place, staged, target)
    logger.info("restored", extra={"target": str(target), "from": str(file)})
    return manifest


async def _stage_sqlite(file: Path, staged: Path) -> Manifest:
    """Extract, check and migrate a SQLite backup into the file ``staged``."""
    manifest = await asyncio.to_thread(extract_payload, file, staged)
    await asyncio.to_thread(sqlite.check_integrity, staged)
    verify_counts(manifest, await asyncio.to_thread(sqlite.table_counts, staged), migrated=False)
    await _migrate(Settings(database_url=f"sqlite+aiosqlite:///{staged}"))
    verify_counts(manifest, await asyncio.to_thread(sqlite.table_counts, staged), migrated=True)
    return manifest


async def _migrate(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _restore_into_postgres(url: str, file: Path, *, force: bool) -> Manifest:
    with tempfile.TemporaryDirectory(prefix="router-restore-") as work:
        payload = Path(work) / "database.pgdump"
        manifest = await asyncio.to_thread(extract_payload, file, payload)
        postgres.find_tool("pg_restore")

        async def load() -> None:
            await postgres.pg_restore(url, payload)

        await _swap_postgres(url, manifest, load, force=force, recreate=False)
    return manifest


async def _move_sqlite_into_postgres(url: str, file: Path, *, force: bool) -> Manifest:
    from app.backup.transfer import copy_sqlite_to_postgres

    with tempfile.TemporaryDirectory(prefix="router-restore-") as work:
        staged = Path(work) / "database.sqlite3"
        manifest = await _stage_sqlite(file, staged)  # at the current schema from here on
        expected = await asyncio.to_thread(sqlite.table_counts, staged)

        async def load() -> None:
            await _migrate(Settings(database_url=url))
            engine = postgres.engine_for(url)
            try:
                async with engine.begin() as connection:
                    copied = await copy_sqlite_to_postgres(staged, connection)
            finally:
                await engine.dispose()
            missing = {t: n for t, n in expected.items() if t != "alembic_version"}
            wrong = {t: (n, copied.get(t)) for t, n in missing.items() if copied.get(t) != n}
            if wrong:
                raise BackupError(f"tables not copied whole (expected, copied): {wrong}")

        await _swap_postgres(url, manifest, load, force=force, recreate=True)
    return manifest


async def _swap_postgres(
    url: str,
    manifest: Manifest,
    load: Callable[[], Awaitable[None]],
    *,
    force: bool,
    recreate: bool,
) -> None:
    """Set the target's schema aside, ``load`` into a fresh one, migrate and verify; put the
    old schema back if anything fails, drop it once all succeeded."""
    engine = postgres.engine_for(url)
    try:
        async with engine.connect() as connection:
            await require_empty(await postgres.table_counts(connection), force=force)
        if others := await postgres.other_sessions(engine):
            logger.warning("%d other sessions use this database: stop the service first", others)
        schema = await postgres.current_schema(engine)
        await postgres.set_aside(engine, schema, recreate=recreate)
        try:
            await load()
            await _migrate(Settings(database_url=url))
            async with engine.connect() as connection:
                verify_counts(manifest, await postgres.table_counts(connection), migrated=True)
        except BaseException:
            await postgres.put_back(engine, schema)
            raise
        await postgres.drop_previous(engine)
    finally:
        await engine.dispose()
