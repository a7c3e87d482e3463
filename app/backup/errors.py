"""The one error of backups and restores: its message is what the operator reads."""

from __future__ import annotations


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""
