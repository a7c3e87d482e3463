"""Token buckets in process memory: the limiter of a single process (SQLite)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from app.ratelimit.errors import rate_limited


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """``rate`` requests per ``per_seconds``, bursting up to ``rate``."""

    rate: int
    per_seconds: float
    max_keys: int = 100_000
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    async def check(self, key: str) -> None:
        self.take(key)

    def take(self, key: str, *, now: float | None = None) -> None:
        """Take one token for ``key`` or raise ``RateLimited`` with a Retry-After."""
        now = time.monotonic() if now is None else now
        refill = self.rate / self.per_seconds
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._evict(now)
            bucket = self._buckets[key] = _Bucket(tokens=float(self.rate), updated=now)
        bucket.tokens = min(self.rate, bucket.tokens + (now - bucket.updated) * refill)
        bucket.updated = now
        if bucket.tokens < 1:
            retry_after = max(1, math.ceil((1 - bucket.tokens) / refill))
            raise rate_limited(retry_after)
        bucket.tokens -= 1

    async def blocked(self, key: str) -> int | None:
        """Seconds until ``key`` may take again, or None when it may now (takes nothing)."""
        now = time.monotonic()
        refill = self.rate / self.per_seconds
        bucket = self._buckets.get(key)
        if bucket is None:
            return None
        tokens = min(self.rate, bucket.tokens + (now - bucket.updated) * refill)
        return None if tokens >= 1 else max(1, math.ceil((1 - tokens) / refill))

    def _evict(self, now: float) -> None:
        # Keys idle long enough to be full again carry no state worth keeping.
        full_after = self.per_seconds
        stale = [k for k, b in self._buckets.items() if now - b.updated >= full_after]
        for key in stale or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[key]
