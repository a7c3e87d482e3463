"""Opaque keyset cursors for lists ordered newest first by (created_at, id).

A cursor is the last row's key, base64url-encoded: the next page starts strictly after it, so
rows arriving meanwhile never shift a page (unlike OFFSET), and each page is an index range
scan however deep the reader goes. Anything that does not decode to a key is refused (422).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from app.errors import ValidationFailed
from app.security_params import MAX_DB_ID

_MAX_CURSOR_LENGTH = 200


class InvalidCursor(ValidationFailed):
    code = "invalid_cursor"


@dataclass(frozen=True)
class Key:
    created_at: datetime  # UTC
    id: int


def encode_cursor(key: Key) -> str:
    raw = f"{key.created_at.astimezone(UTC).isoformat()}|{key.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Key:
    if len(cursor) > _MAX_CURSOR_LENGTH:
        raise InvalidCursor("cursor is not one this API returned")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, number = raw.partition("|")
        created_at = datetime.fromisoformat(stamp)
        key_id = int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor("cursor is not one this API returned") from None
    if created_at.tzinfo is None or not 1 <= key_id <= MAX_DB_ID:
        raise InvalidCursor("cursor is not one this API returned")
    return Key(created_at=created_at.astimezone(UTC), id=key_id)
