"""Rate limits every replica shares (PostgreSQL): one allowance per client, whichever replica
it reaches; atomic under concurrency; state that is whole again is pruned."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.config import Settings
from app.db import create_engine
from app.errors import RateLimited
from app.main import create_app
from app.ratelimit import SharedRateLimiter, prune_rate_limits
from tests.security.test_limits import rate_limited


@pytest.fixture(autouse=True)
def postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("PostgreSQL only: one SQLite process keeps its limits in memory")


async def test_a_burst_then_one_per_interval_with_a_retry_after(settings: Settings) -> None:
    engine = create_engine(settings)
    limiter = SharedRateLimiter(engine, "test", rate=3, per_seconds=60)  # one per 20 s
    try:
        for _ in range(3):
            await limiter.check("k", now=1000.0)
        with pytest.raises(RateLimited) as refused:
            await limiter.check("k", now=1000.0)
        assert refused.value.headers == {"Retry-After": "20"}
        with pytest.raises(RateLimited) as refused:
            await limiter.check("k", now=1015.0)
        assert refused.value.headers == {"Retry-After": "5"}
        await limiter.check("k", now=1020.0)  # one interval later: one more
        await limiter.check("other", now=1020.0)  # keys are apart
    finally:
        await engine.dispose()


async def test_concurrent_requests_get_exactly_the_allowance(settings: Settings) -> None:
    engines = [create_engine(settings) for _ in range(2)]  # two replicas' pools
    limiters = [SharedRateLimiter(e, "test", rate=5, per_seconds=60) for e in engines]

    async def attempt(n: int) -> bool:
        try:
            await limiters[n % 2].check("busy", now=2000.0)
        except RateLimited:
            return False
        return True

    try:
        allowed = await asyncio.gather(*(attempt(n) for n in range(30)))
    finally:
        for engine in engines:
            await engine.dispose()
    assert sum(allowed) == 5


async def test_whole_allowances_are_pruned(settings: Settings) -> None:
    engine = create_engine(settings)
    limiter = SharedRateLimiter(engine, "test", rate=2, per_seconds=60)  # one per 30 s
    try:
        await limiter.check("idle", now=3000.0)  # whole again at 3030
        await limiter.check("busy", now=3040.0)
        await limiter.check("busy", now=3040.0)  # whole again at 3100
        assert await prune_rate_limits(engine, now=3050.0) == 1
        async with engine.connect() as connection:
            left = await connection.scalars(text("SELECT key FROM rate_limits"))
            assert list(left) == ["test:busy"]
    finally:
        await engine.dispose()


async def test_two_replicas_give_an_ip_its_session_allowance_once(settings: Settings) -> None:
    limited = settings.model_copy(update={"webchat_sessions_per_minute_per_ip": 2})
    replicas = [create_app(limited), create_app(limited)]

    def client(app: FastAPI) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 5000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    first, second = replicas
    async with first.router.lifespan_context(first), second.router.lifespan_context(second):
        async with client(first) as one, client(second) as two:
            assert (await one.post("/api/v1/webchat/sessions", json={})).status_code == 201
            assert (await two.post("/api/v1/webchat/sessions", json={})).status_code == 201
            rate_limited(await one.post("/api/v1/webchat/sessions", json={}))
            rate_limited(await two.post("/api/v1/webchat/sessions", json={}))
