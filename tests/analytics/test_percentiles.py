"""The SQL percentile (percentile_cont on PostgreSQL, window functions on SQLite) agrees with
linear interpolation between closest ranks, the definition of percentile_cont."""

from __future__ import annotations

import math
import random

from sqlalchemy import Integer, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.sql import percentiles


def _interpolated(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


async def test_percentiles_match_interpolation(session: AsyncSession) -> None:
    rng = random.Random(7)
    groups = {1: [42.0], 2: [3.0, 1.0], 3: [rng.uniform(0, 1000) for _ in range(57)]}
    rows = [
        select(literal(g, Integer).label("g"), literal(v).label("v"))
        for g, values in groups.items()
        for v in values
    ]
    durations = select(*union_all(*rows).subquery().c)
    dialect = session.get_bind().dialect.name

    result = {
        row[0]: (row[1], row[2], row[3])
        for row in await session.execute(percentiles(durations, (0.5, 0.9, 0.0), dialect))
    }

    assert set(result) == set(groups)
    for g, values in groups.items():
        for got, fraction in zip(result[g], (0.5, 0.9, 0.0), strict=True):
            assert math.isclose(got, _interpolated(values, fraction), rel_tol=1e-9), (g, fraction)
