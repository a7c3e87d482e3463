"""Background worker helpers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from app.workers import PeriodicWorker, in_lanes


async def test_extra_lanes_start_only_once_the_first_meets_a_backlog() -> None:
    started: list[bool] = []

    async def quiet(backlog: asyncio.Event | None) -> int:
        started.append(backlog is not None)
        await asyncio.sleep(0)
        return 1

    assert await in_lanes(4, quiet) == 1
    assert started == [True]

    started.clear()

    async def busy(backlog: asyncio.Event | None) -> int:
        started.append(backlog is not None)
        if backlog is not None:
            backlog.set()  # a full batch: the others join while this lane goes on
            await asyncio.sleep(0.01)
        return 2

    assert await in_lanes(4, busy) == 8
    assert started == [True, False, False, False]


async def test_a_failing_lane_lets_the_others_finish_then_its_error_is_raised() -> None:
    finished: list[str] = []

    async def lane(backlog: asyncio.Event | None) -> int:
        if backlog is not None:
            backlog.set()
            await asyncio.sleep(0.01)
            raise ConnectionError("database went away")
        await asyncio.sleep(0.05)  # mid-send when the first lane fails
        finished.append("sent and recorded")
        return 1

    with pytest.raises(ConnectionError):
        await in_lanes(3, lane)
    assert finished == ["sent and recorded"] * 2


async def test_stop_lets_a_running_job_finish_within_its_grace_then_cancels() -> None:
    finished: list[str] = []

    async def wraps_up() -> None:
        await asyncio.sleep(0.05)
        finished.append("done")

    worker = PeriodicWorker("wraps_up", wraps_up, 60, grace_seconds=5)
    worker.start()
    await asyncio.sleep(0.01)  # inside its first run
    await worker.stop()
    assert finished == ["done"]  # finished, and no second run started

    async def hangs() -> None:
        await asyncio.sleep(3600)

    worker = PeriodicWorker("hangs", hangs, 60, grace_seconds=0.05)
    worker.start()
    await asyncio.sleep(0.01)
    async with asyncio.timeout(2):
        await worker.stop()


async def test_a_cancelled_run_ends_only_after_its_lanes_have_cleaned_up() -> None:
    """A shutdown cancels the run; the lanes' cleanup (a rollback) must be over before the
    engine is disposed, or it never completes and the process hangs on exit."""
    cleaned: list[int] = []

    def lane_that(busy: bool) -> Callable[[asyncio.Event | None], Coroutine[Any, Any, int]]:
        async def lane(backlog: asyncio.Event | None) -> int:
            if backlog is not None and busy:
                backlog.set()
            try:
                await asyncio.sleep(3600)
            finally:
                await asyncio.sleep(0.01)
                cleaned.append(1)
            return 0

        return lane

    for busy, lanes_started in ((False, 1), (True, 3)):  # cancelled alone, or with the others
        cleaned.clear()
        run = asyncio.create_task(in_lanes(3, lane_that(busy)))
        await asyncio.sleep(0.01)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        assert len(cleaned) == lanes_started
