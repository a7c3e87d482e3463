"""Checks a restore makes: is the target empty, do the rows match the manifest."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path

from app.backup import sqlite
from app.backup.archive import Manifest
from app.backup.errors import BackupError
from app.config import Settings
from app.db import create_engine
from app.migrate import upgrade

# Bookkeeping, not data: its one row names the schema revision.
NOT_DATA = {"alembic_version"}


async def require_empty(counts: dict[str, int], *, force: bool) -> None:
    """Refuse a target that holds data unless ``force``. "Empty" is what `router migrate`
    leaves: its seeded rows (a fresh database's KB version stamp) are no one's data."""
    if force:
        return
    fresh = await _fresh_counts()
    held = {t: n for t, n in counts.items() if t not in NOT_DATA and n > fresh.get(t, 0)}
    if held:
        described = ", ".join(f"{t}: {n}" for t, n in sorted(held.items())[:6])
        raise BackupError(
            f"the target database is not empty ({described}): restore into an empty one, or"
            " add --force to replace everything in it"
        )


def verify_counts(manifest: Manifest, counts: dict[str, int], *, migrated: bool) -> None:
    """Rows per table must equal the manifest's. Before migrating, every table must be there;
    after, tables the migrations dropped are not asked for, those they added are not known."""
    expected = {t: n for t, n in manifest.tables.items() if t not in NOT_DATA}
    if migrated:
        expected = {t: n for t, n in expected.items() if t in counts}
    wrong = {t: (n, counts.get(t)) for t, n in expected.items() if counts.get(t) != n}
    if wrong:
        shown = ", ".join(f"{t}: {n} in the manifest, {c} restored" for t, (n, c) in wrong.items())
        raise BackupError(f"the restored rows do not match the manifest ({shown})")


_FRESH: dict[str, int] = {}


async def _fresh_counts() -> dict[str, int]:
    """Rows per table of a database just migrated to head (a throwaway SQLite file)."""
    if not _FRESH:
        with tempfile.TemporaryDirectory(prefix="router-fresh-") as work:
            path = Path(work) / "fresh.db"
            engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
            quiet = logging.getLogger("alembic")
            level, quiet.level = quiet.level, logging.WARNING  # not the operator's migration
            try:
                await upgrade(engine)
            finally:
                quiet.setLevel(level)
                await engine.dispose()
            _FRESH.update(await asyncio.to_thread(sqlite.table_counts, path))
    return _FRESH
