"""The in-process wake-up for long-polling readers."""

from __future__ import annotations

import asyncio
import time

from fastapi import FastAPI

from app.escalation.notifier import HandoffNotifier, notify_after_commit


async def test_wait_returns_at_once_when_something_changed_since_seen() -> None:
    notifier = HandoffNotifier()
    seen = notifier.generation
    notifier.notify()
    assert await notifier.wait(seen, timeout=5)


async def test_wait_wakes_on_notify_and_times_out_without() -> None:
    notifier = HandoffNotifier()
    started = time.monotonic()
    assert not await notifier.wait(notifier.generation, timeout=0.2)
    assert time.monotonic() - started >= 0.2

    waiter = asyncio.create_task(notifier.wait(notifier.generation, timeout=5))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    notifier.notify()
    assert await waiter
    assert time.monotonic() - started < 1


async def test_notifies_after_commit_only(app: FastAPI) -> None:
    notifier = HandoffNotifier()
    async with app.state.sessionmaker() as session:
        await session.begin()
        notify_after_commit(session, notifier)
        await session.rollback()
        assert notifier.generation == 0
        await session.begin()
        await session.commit()
        assert notifier.generation == 1
