"""SQLite: snapshots through the online backup API, checks, and the swap into place.

Never a file copy: the service's database is in WAL mode, and a copy of ``router.db`` taken
while it writes misses (or half-includes) the transactions still in ``router.db-wal``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from app.backup.errors import BackupError

logger = logging.getLogger(__name__)

# Pages copied per step of the online backup (4 KiB each: 16 MiB). Between steps SQLite's page
# cache is the only memory in use, so a 1 GB database costs no more than a small one.
PAGES_PER_STEP = 4096


@contextlib.contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        yield connection
    finally:
        connection.close()


def snapshot(source: Path, destination: Path) -> None:
    """Copy ``source`` into the new file ``destination``, consistent as of one moment.

    The source connection holds one read transaction through every step: in WAL mode that
    blocks no writer (they append to the WAL meanwhile), and every step reads the same
    snapshot, so the backup never restarts because the service wrote, however busy it is.
    """
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source.resolve()}")
    with connect(source) as src, connect(destination) as dst:
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the read snapshot
        src.backup(dst, pages=PAGES_PER_STEP)
        src.execute("COMMIT")
        # The copy is a standalone file: no WAL beside it, whatever the source's mode.
        dst.execute("PRAGMA journal_mode=DELETE")


def table_counts(path: Path) -> dict[str, int]:
    with connect(path) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in names
        }


def schema_revision(path: Path) -> str:
    with connect(path) as connection:
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a router database: {exc}") from None
    if row is None:
        raise BackupError(f"{path} has no schema revision: run `router migrate` first")
    return str(row[0])


def check_integrity(path: Path) -> None:
    with connect(path) as connection:
        try:
            result = connection.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            result = str(exc)
    if result != "ok":
        raise BackupError(f"the restored database fails SQLite's integrity check: {result}")


def standalone(path: Path) -> None:
    """Leave ``path`` as one self-contained file (rollback journal, no -wal/-shm beside it)."""
    with connect(path) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")


def swap_into_place(restored: Path, target: Path) -> None:
    """Replace ``target`` with ``restored`` by one atomic rename.

    The old file's WAL must go with it: left beside the new file, SQLite would replay it into
    the restored database. Switching the target to a rollback journal checkpoints and removes
    its WAL, and succeeds only when no other connection has it open, which is also how a
    restore under a running service is refused.
    """
    if target.exists():
        with connect(target) as connection:
            connection.execute("PRAGMA busy_timeout=2000")
            try:
                mode = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            except sqlite3.OperationalError as exc:
                raise BackupError(
                    f"{target} is in use ({exc}): stop the service before restoring"
                ) from None
            if mode != "delete":
                raise BackupError(f"{target} is in use: stop the service before restoring")
    for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm"), Path(f"{target}-journal")):
        leftover.unlink(missing_ok=True)
    os.replace(restored, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)
