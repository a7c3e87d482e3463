"""Rate limits for the public (customer-facing) routes: per web chat session and per IP.

One process (SQLite) keeps them in memory (``memory.RateLimiter``); on PostgreSQL every
replica shares them through the database (``shared.SharedRateLimiter``), so N replicas
still allow a client the limit once, not N times.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.ratelimit.memory import RateLimiter
from app.ratelimit.shared import SharedRateLimiter, prune_rate_limits


class Limiter(Protocol):
    async def check(self, key: str) -> None:
        """Allow one request for ``key`` or raise ``RateLimited`` (429, Retry-After)."""

    async def blocked(self, key: str) -> int | None:
        """Seconds until ``key`` is allowed again, or None if it is now; takes nothing."""


PER_MINUTE = 60.0


def webchat_limiters(settings: Settings, engine: AsyncEngine) -> dict[str, Limiter]:
    """The public routes' limiters by name: sessions per IP, messages per session."""
    rates = {
        "webchat_sessions": settings.webchat_sessions_per_minute_per_ip,
        "webchat_messages": settings.webchat_messages_per_minute,
    }
    if settings.is_sqlite:
        return {name: RateLimiter(rate, PER_MINUTE) for name, rate in rates.items()}
    return {name: SharedRateLimiter(engine, name, rate, PER_MINUTE) for name, rate in rates.items()}


__all__ = [
    "Limiter",
    "RateLimiter",
    "SharedRateLimiter",
    "prune_rate_limits",
    "webchat_limiters",
]
