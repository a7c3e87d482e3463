"""``--keep N``: delete this tool's older backups in a folder, beyond the newest N.

A file counts as ours only if it starts with a manifest we wrote (whatever its name), so a
folder shared with other files, or other tools' backups, loses nothing else.
"""

from __future__ import annotations

import logging
from pathlib import Path

from app.backup.archive import read_manifest
from app.backup.errors import BackupError

logger = logging.getLogger(__name__)


def prune(directory: Path, keep: int) -> list[Path]:
    ours: list[tuple[str, str, Path]] = []
    for path in directory.glob("*.tar"):
        if path.name.startswith(".") or not path.is_file():
            continue
        try:
            ours.append((read_manifest(path).created_at, path.name, path))
        except BackupError:
            continue  # not one of ours: never deleted
    ours.sort(reverse=True)
    removed = [path for _, _, path in ours[keep:]]
    for path in removed:
        path.unlink(missing_ok=True)
        logger.info("old backup deleted", extra={"path": str(path)})
    return removed
