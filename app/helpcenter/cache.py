"""Rendered help pages, kept in memory until the KB version moves.

Each entry remembers the KB version it was rendered from; a lookup with another version
misses, so an edit (which moves the version in every replica within the KB refresh
interval) shows at once. Least recently used entries go first when it is full.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    body: bytes
    etag: str
    status: int = 200


@dataclass
class _Entry:
    version: int | None
    expires: float | None
    page: Page


class PageCache:
    def __init__(self, max_entries: int = 2000) -> None:
        self._entries: OrderedDict[tuple[str, ...], _Entry] = OrderedDict()
        self._max = max_entries

    def get(self, key: tuple[str, ...], version: int | None) -> Page | None:
        entry = self._entries.get(key)
        if entry is None or entry.version != version:
            return None
        if entry.expires is not None and entry.expires < time.monotonic():
            return None
        self._entries.move_to_end(key)
        return entry.page

    def put(
        self,
        key: tuple[str, ...],
        version: int | None,
        html: str,
        *,
        status: int = 200,
        ttl: float | None = None,
    ) -> Page:
        body = html.encode("utf-8")
        digest = hashlib.blake2b(body, digest_size=8).hexdigest()
        page = Page(body=body, etag=f'"{version}-{digest}"', status=status)
        expires = time.monotonic() + ttl if ttl is not None else None
        self._entries[key] = _Entry(version, expires, page)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return page

    def clear(self) -> None:
        self._entries.clear()
