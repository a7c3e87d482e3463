"""The one way a limiter refuses: 429 with a Retry-After in whole seconds."""

from __future__ import annotations

from app.errors import RateLimited


def rate_limited(retry_after: int) -> RateLimited:
    return RateLimited(
        f"too many requests; retry in {retry_after} s",
        headers={"Retry-After": str(retry_after)},
    )
