"""The backup commands' output: the result on stdout (a path, a summary), logs on stderr."""

from __future__ import annotations

import json
from pathlib import Path

from app.backup.service import create_backup, restore_backup
from app.config import Settings


async def backup_and_print(settings: Settings, output: Path | None, keep: int | None) -> None:
    path = await create_backup(settings, output, keep)
    print(path)  # alone on stdout: `FILE=$(router backup)` in a cron job


async def restore_and_print(settings: Settings, file: Path, *, force: bool) -> None:
    manifest = await restore_backup(settings, file, force=force)
    print(
        json.dumps(
            {
                "restored": str(file),
                "backend": manifest.backend,
                "backup_revision": manifest.schema_revision,
                "rows": sum(n for t, n in manifest.tables.items() if t != "alembic_version"),
                "created_at": manifest.created_at,
            }
        )
    )
