"""Background worker helpers."""

from __future__ import annotations

import asyncio

from app.workers import in_lanes


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
