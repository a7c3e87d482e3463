"""A rate limiter every replica shares, kept in PostgreSQL.

GCRA (the generic cell rate algorithm): a key's state is one number, the time at which its
allowance would be whole again if it stopped now (``tat``). A request moves it one interval
(``per_seconds / rate``) later and is allowed while that stays within ``per_seconds`` of
now; so ``rate`` requests may come at once, then one every interval, the same allowance as
the in-memory token bucket. Checking and taking are one ``INSERT .. ON CONFLICT DO UPDATE
.. WHERE`` in its own autocommit statement: atomic across replicas without a lock held, and
unaffected by whether the request's own transaction commits (an attempt counts).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db_util import rowcount
from app.ratelimit.errors import rate_limited

_TAKE = text(
    "INSERT INTO rate_limits AS r (key, tat) VALUES (:key, CAST(:now AS FLOAT) + :interval)"
    " ON CONFLICT (key) DO UPDATE SET tat = GREATEST(r.tat, :now) + :interval"
    " WHERE GREATEST(r.tat, :now) + :interval - :now <= :period"
    " RETURNING r.tat"
)
_STATE = text("SELECT tat FROM rate_limits WHERE key = :key")
_PRUNE = text("DELETE FROM rate_limits WHERE tat < CAST(:now AS FLOAT)")


@dataclass
class SharedRateLimiter:
    """``rate`` requests per ``per_seconds`` for each key (namespaced by ``name``)."""

    engine: AsyncEngine
    name: str
    rate: int
    per_seconds: float

    async def check(self, key: str, *, now: float | None = None) -> None:
        """Take one request's allowance for ``key`` or raise ``RateLimited``."""
        now = time.time() if now is None else now
        interval = self.per_seconds / self.rate
        params = {
            "key": f"{self.name}:{key}",
            "now": now,
            "interval": interval,
            "period": self.per_seconds,
        }
        async with self.engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            if (await connection.execute(_TAKE, params)).first() is not None:
                return
            tat = await connection.scalar(_STATE, {"key": params["key"]})
        # Refused: allowed again once the next request's arrival fits in the period.
        wait = (tat if tat is not None else now) + interval - self.per_seconds - now
        raise rate_limited(max(1, math.ceil(wait)))

    async def blocked(self, key: str) -> int | None:
        """Seconds until ``key`` may take again, or None when it may now (takes nothing)."""
        now = time.time()
        async with self.engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            tat = await connection.scalar(_STATE, {"key": f"{self.name}:{key}"})
        wait = (tat if tat is not None else now) + self.per_seconds / self.rate
        wait -= self.per_seconds + now
        return max(1, math.ceil(wait)) if wait > 0 else None


async def prune_rate_limits(engine: AsyncEngine, *, now: float | None = None) -> int:
    """Delete the keys whose allowance is whole again (they hold no state); how many."""
    async with engine.begin() as connection:
        result = await connection.execute(_PRUNE, {"now": time.time() if now is None else now})
    return rowcount(result)
