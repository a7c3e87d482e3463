"""Periodic background jobs (sweeper, outbox, lease expiry, KB refresh).

Each job opens its own session(s) through the sessionmaker; a failing run is logged and
retried at the next tick, so a database outage never kills a worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("app.workers")

Job = Callable[[], Awaitable[object]]


@dataclass
class PeriodicWorker:
    name: str
    job: Job
    interval_seconds: float
    # How long ``stop`` lets a running job finish before cancelling it. The job sees
    # ``draining`` set and wraps up: the outbox records what it sent and claims no more.
    grace_seconds: float = 0.0
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    draining: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.draining.clear()
        self._task = asyncio.create_task(self._loop(), name=f"worker:{self.name}")

    def poke(self) -> None:
        """Run the job now instead of waiting for the next tick."""
        self.wakeup.set()

    async def stop(self) -> None:
        if self._task is None:
            return
        self.draining.set()
        self.wakeup.set()
        if self.grace_seconds:
            await asyncio.wait([self._task], timeout=self.grace_seconds)
        await cancel_and_wait(self._task)
        self._task = None

    async def _loop(self) -> None:
        while not self.draining.is_set():
            try:
                await self.job()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("worker %s failed; retrying next tick", self.name, exc_info=True)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval_seconds):
                    await self.wakeup.wait()
            self.wakeup.clear()


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel ``task`` and return once it has finished (its cleanup included)."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def poke_worker(state: Any, name: str) -> None:
    """Wake the named worker (``app.state.workers``), if it runs in this process."""
    worker = getattr(state, "workers", {}).get(name)
    if worker is not None:
        worker.poke()


async def wake(state: Any, name: str) -> None:
    """``poke_worker`` as a response's background task: async, so Starlette runs it on the
    event loop instead of sending it through the thread pool."""
    poke_worker(state, name)


async def in_lanes(
    lanes: int, lane: Callable[[asyncio.Event | None], Coroutine[Any, Any, int]]
) -> int:
    """Run ``lane`` and, once it sets the event it is given (it met a full batch, so a
    backlog is waiting), ``lanes - 1`` more beside it; the sum of what they return.

    At low traffic the extra lanes' claims would find nothing: a wasted transaction each
    per wake-up. Only the first lane gets the event; the others get None.

    A lane that fails does not cancel the others: an outbox lane stopped between sending
    and recording would leave its rows to be sent again when their lease runs out. The
    first failure is raised once every lane has finished.
    """
    backlog = asyncio.Event()
    tasks = [asyncio.create_task(lane(backlog))]
    noticed = asyncio.create_task(backlog.wait())
    try:
        await asyncio.wait([tasks[0], noticed], return_when=asyncio.FIRST_COMPLETED)
        if backlog.is_set():
            tasks += [asyncio.create_task(lane(None)) for _ in range(lanes - 1)]
        results = await asyncio.gather(*tasks, return_exceptions=True)
    except BaseException:
        # Cancelled (a shutdown): the lanes end before we do, so none is left to touch the
        # database after its engine is disposed (a lane's cleanup then never finished).
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    finally:
        await cancel_and_wait(noticed)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return sum(r for r in results if isinstance(r, int))
