"""The sign-in throttle: failed sign-ins per e-mail (guessing one account's password) and per
client address (trying many accounts), on the rate limiters the web chat uses (in memory on
SQLite, shared by every replica on PostgreSQL).

Only failures count: a refused attempt takes from both allowances, a good one takes nothing.
While either is spent, every attempt is refused before its password is even checked, so a
guesser learns nothing more, whatever it sends.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from app.accounts.errors import TooManyAttempts
from app.config import Settings
from app.errors import RateLimited
from app.ratelimit import Limiter, RateLimiter, SharedRateLimiter


@dataclass
class LoginThrottle:
    per_email: Limiter
    per_ip: Limiter

    async def check(self, *, email: str, ip: str) -> None:
        """Raise ``TooManyAttempts`` (429, Retry-After) while either allowance is spent."""
        waits = [await self.per_email.blocked(_key(email)), await self.per_ip.blocked(ip)]
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            raise TooManyAttempts(
                f"too many failed sign-ins; try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )

    async def failed(self, *, email: str, ip: str) -> None:
        for limiter, key in ((self.per_email, _key(email)), (self.per_ip, ip)):
            try:
                await limiter.check(key)
            except RateLimited:
                pass  # already spent: the next attempt is refused by check()


def _key(email: str) -> str:
    # A fixed-length key (the shared table's keys are at most 300 characters; e-mails 320).
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def login_throttle(settings: Settings, engine: AsyncEngine) -> LoginThrottle:
    period = settings.login_failure_window_minutes * 60
    email_rate, ip_rate = settings.login_failures_per_email, settings.login_failures_per_ip
    if settings.is_sqlite:
        return LoginThrottle(RateLimiter(email_rate, period), RateLimiter(ip_rate, period))
    return LoginThrottle(
        SharedRateLimiter(engine, "login_email", email_rate, period),
        SharedRateLimiter(engine, "login_ip", ip_rate, period),
    )
