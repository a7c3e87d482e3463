"""Wakes long-polling queue readers in this process when the queue may have changed.

A generation counter avoids lost wake-ups: a reader notes the generation before it queries and
waits only if nothing changed since. Notifications are sent after the writing transaction
commits, but readers re-query after every wake-up anyway and also on a short timer, so a
handoff created by another replica is seen within about a second.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_PENDING_KEY = "handoff_notify_pending"


class HandoffNotifier:
    def __init__(self) -> None:
        self._generation = 0
        self._waiters: set[asyncio.Future[None]] = set()

    @property
    def generation(self) -> int:
        return self._generation

    def notify(self) -> None:
        self._generation += 1
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            loop = waiter.get_loop()
            if loop.is_closed():
                continue
            loop.call_soon_threadsafe(_wake, waiter)

    async def wait(self, seen_generation: int, timeout: float) -> bool:
        """Wait until a notification after ``seen_generation``; False on timeout."""
        if self._generation != seen_generation:
            return True
        if timeout <= 0:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            async with asyncio.timeout(timeout):
                await waiter
            return True
        except TimeoutError:
            return False
        finally:
            self._waiters.discard(waiter)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


# One per process: the engine calls open_handoff without access to the app, and every app in
# the process (tests build many) shares it harmlessly: a stray wake-up only costs a re-query.
handoff_notifier = HandoffNotifier()


def notify_after_commit(session: AsyncSession, notifier: HandoffNotifier | None = None) -> None:
    """Notify once the session's transaction commits (never for a rolled-back change)."""
    target = notifier or handoff_notifier
    sync_session = session.sync_session
    key = (_PENDING_KEY, id(target))  # one pending notification per notifier
    if sync_session.info.get(key):
        return
    sync_session.info[key] = True

    def _fire(committed: Session) -> None:
        committed.info.pop(key, None)
        target.notify()

    event.listen(sync_session, "after_commit", _fire, once=True)
