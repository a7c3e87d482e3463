"""The SQL percentiles (percentile_cont on PostgreSQL, window functions on SQLite) agree with
linear interpolation between closest ranks, the definition of percentile_cont."""

from __future__ import annotations

import math
import random

from sqlalchemy import Float, Integer, cast, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.sql import percentiles


def _interpolated(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


async def test_percentiles_match_interpolation(session: AsyncSession) -> None:
    rng = random.Random(7)
    # Column "a" always has a value; "b" only sometimes (NULLs are skipped, not zeros).
    rows: dict[int, list[tuple[float, float | None]]] = {
        1: [(42.0, None)],
        2: [(3.0, None), (1.0, 8.0)],
        3: [(rng.uniform(0, 1000), rng.choice([None, rng.uniform(0, 50)])) for _ in range(57)],
    }
    selects = [
        select(
            literal(g, Integer).label("g"),
            literal(a, Float).label("a"),
            (literal(b, Float) if b is not None else cast(null(), Float)).label("b"),
        )
        for g, pairs in rows.items()
        for a, b in pairs
    ]
    durations = select(*union_all(*selects).subquery().c)
    spec = [("a", (0.5, 0.9, 0.0)), ("b", (0.5, 1.0))]
    dialect = session.get_bind().dialect.name

    result = {
        row.g: row._mapping for row in await session.execute(percentiles(durations, spec, dialect))
    }

    assert set(result) == set(rows)
    for g, pairs in rows.items():
        for name, column in (("a", 0), ("b", 1)):
            values = [pair[column] for pair in pairs if pair[column] is not None]
            for fraction in dict(spec)[name]:
                expected = _interpolated([float(v) for v in values if v is not None], fraction)
                got = result[g][f"{name}_p{round(fraction * 100)}"]
                if expected is None:
                    assert got is None, (g, name, fraction)
                else:
                    assert math.isclose(got, expected, rel_tol=1e-9), (g, name, fraction)
