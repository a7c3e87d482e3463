"""Exponential backoff with jitter for outbox retries."""

from __future__ import annotations

import random

from app.config import Settings


def retry_delay(
    attempts: int,
    settings: Settings,
    *,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds before attempt ``attempts + 1``: base * 2^(attempts-1), capped, "equal jitter"
    (half fixed, half random, so retries spread out but never come back at once)."""
    ceiling = min(
        settings.outbox_backoff_max_seconds,
        settings.outbox_backoff_base_seconds * 2 ** max(attempts - 1, 0),
    )
    delay = ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, settings.outbox_backoff_max_seconds))
    return delay
