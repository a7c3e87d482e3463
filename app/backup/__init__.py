"""Backups and restore: ``router backup`` and ``router restore`` (docs/operations.md, "Backups").

A backup is one tar file: ``manifest.json`` (format, backend, schema revision, rows per table,
the payload's SHA-256) followed by the payload, a SQLite snapshot taken through the online
backup API or a ``pg_dump`` custom-format archive. Everything is streamed: memory stays flat
whatever the database's size.
"""

from app.backup.errors import BackupError
from app.backup.service import create_backup, restore_backup

__all__ = ["BackupError", "create_backup", "restore_backup"]
