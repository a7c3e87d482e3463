"""``router events ...``: manage event subscriptions from the command line (same rules as
the admin API: the address check, the secret never printed)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import create_engine, create_sessionmaker, utcnow
from app.events.schemas import SubscriptionIn
from app.events.service import (
    create_subscription,
    delete_subscription,
    list_subscriptions,
    out,
    resume_subscription,
)

T = TypeVar("T")


async def _in_session(settings: Settings, job: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            return await job(session)
    finally:
        await engine.dispose()


async def list_and_print(settings: Settings) -> None:
    items = await _in_session(settings, list_subscriptions)
    print(json.dumps([i.model_dump(mode="json") for i in items], indent=2))


async def add_and_print(settings: Settings, url: str, events: list[str], secret: str) -> None:
    body = SubscriptionIn.model_validate({"url": url, "events": events, "secret": secret})

    async def job(session: AsyncSession) -> str:
        created = await create_subscription(session, body, settings=settings, now=utcnow())
        return out(created).model_dump_json(indent=2)

    print(await _in_session(settings, job))


async def remove_and_print(settings: Settings, subscription_id: int) -> None:
    await _in_session(settings, lambda s: delete_subscription(s, subscription_id))
    print(f"event subscription {subscription_id} deleted")


async def resume_and_print(settings: Settings, subscription_id: int) -> None:
    async def job(session: AsyncSession) -> str:
        resumed = await resume_subscription(session, subscription_id, now=utcnow())
        return out(resumed).model_dump_json(indent=2)

    print(await _in_session(settings, job))
