"""The backup file: a tar of ``manifest.json`` then the payload, written and read as streams.

The manifest comes first so that retention and ``restore`` learn what a file is from its first
few kilobytes; the payload's checksum is computed before the tar is written (the snapshot is a
file of its own first), and checked again, chunk by chunk, while a restore extracts it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from app.backup.errors import BackupError

FORMAT = "self-service-router-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
CHUNK = 1024 * 1024
BACKENDS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Manifest:
    backend: str
    schema_revision: str
    tables: dict[str, int]
    created_at: str
    payload_name: str
    payload_size: int
    payload_sha256: str
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise ValueError("not a router backup")
            if not isinstance(data.get("format_version"), int) or data["format_version"] > (
                FORMAT_VERSION
            ):
                raise ValueError(f"format version {data.get('format_version')!r} is newer")
            if data.get("backend") not in BACKENDS:
                raise ValueError(f"unknown backend {data.get('backend')!r}")
            tables = data["tables"]
            if not all(isinstance(k, str) and isinstance(v, int) for k, v in tables.items()):
                raise ValueError("rows per table are not whole numbers")
            return cls(**data)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError(f"the backup's manifest is unreadable: {exc}") from None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_archive(destination: Path, manifest: Manifest, payload: Path) -> None:
    """Write the tar beside ``destination`` and rename it into place once it is whole and on
    disk, so a backup file that exists is always complete (a cron job may copy it at once)."""
    partial = destination.with_name(f".{destination.name}.partial")
    # Owner-only: a backup holds every customer's messages.
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with open(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w|") as tar:
            _add(tar, MANIFEST_NAME, io.BytesIO(manifest.to_json()), len(manifest.to_json()))
            with payload.open("rb") as source:
                _add(tar, manifest.payload_name, source, manifest.payload_size)
        with partial.open("rb+") as written:
            os.fsync(written.fileno())
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)


def _add(tar: tarfile.TarFile, name: str, source: BinaryIO, size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(time.time())
    tar.addfile(info, source)  # copies in blocks: never the whole payload in memory


def read_manifest(path: Path) -> Manifest:
    """The manifest alone (the first member): cheap, for retention and early checks."""
    with _open(path) as tar:
        return _manifest_of(tar, path)


def extract_payload(path: Path, destination: Path) -> Manifest:
    """Check the whole file and write its payload to ``destination``; a truncated or corrupt
    file raises ``BackupError`` (and leaves no payload behind)."""
    try:
        with _open(path) as tar:
            manifest = _manifest_of(tar, path)
            member = _next(tar, path)
            if member is None or member.name != manifest.payload_name:
                raise BackupError(f"{path} has no payload: the file is truncated or corrupt")
            digest, size = hashlib.sha256(), 0
            source = tar.extractfile(member)
            if source is None:
                raise BackupError(f"{path}: the payload is not a file")
            with destination.open("wb") as target:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    target.write(chunk)
            if size != manifest.payload_size:
                raise BackupError(
                    f"{path} is truncated: {size} of {manifest.payload_size} payload bytes"
                )
            if digest.hexdigest() != manifest.payload_sha256:
                raise BackupError(f"{path} is corrupt: the payload's SHA-256 does not match")
            _require_end(path, member.offset_data + _blocks(member.size))
            return manifest
    except (tarfile.TarError, OSError, EOFError) as exc:
        destination.unlink(missing_ok=True)
        raise BackupError(f"{path} is truncated or corrupt: {exc}") from None
    except BackupError:
        destination.unlink(missing_ok=True)
        raise


def _blocks(size: int) -> int:
    return -(-size // tarfile.BLOCKSIZE) * tarfile.BLOCKSIZE


def _require_end(path: Path, payload_end: int) -> None:
    """After the payload, ``write_archive``'s tar holds only its end: two zero blocks, then
    zeros up to a whole record. Up to ~10 KB of that end can be cut off with the payload
    intact, and ``tarfile`` reads a missing end as a normal one: check it here."""
    size = path.stat().st_size
    with path.open("rb") as source:
        source.seek(payload_end)
        tail = source.read(tarfile.RECORDSIZE + 2 * tarfile.BLOCKSIZE)
    whole = 2 * tarfile.BLOCKSIZE <= size - payload_end <= tarfile.RECORDSIZE + tarfile.BLOCKSIZE
    if not whole or size % tarfile.RECORDSIZE or tail.count(0) != len(tail):
        raise BackupError(f"{path} is truncated or corrupt: the archive's end is missing")


def _open(path: Path) -> tarfile.TarFile:
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    try:
        return tarfile.open(path, mode="r|")  # a stream: no seeking, no index held in memory
    except tarfile.TarError as exc:
        raise BackupError(f"{path} is not a router backup (or is corrupt): {exc}") from None


def _next(tar: tarfile.TarFile, path: Path) -> tarfile.TarInfo | None:
    try:
        return tar.next()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{path} is truncated or corrupt: {exc}") from None


def _manifest_of(tar: tarfile.TarFile, path: Path) -> Manifest:
    member = _next(tar, path)
    if member is None or member.name != MANIFEST_NAME or member.size > CHUNK:
        raise BackupError(f"{path} is not a router backup: it does not start with a manifest")
    source = tar.extractfile(member)
    raw = source.read() if source is not None else b""
    if len(raw) != member.size:
        raise BackupError(f"{path} is truncated: the manifest is incomplete")
    return Manifest.from_json(raw)
