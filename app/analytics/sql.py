"""The few expressions SQLite and PostgreSQL spell differently: durations, time shifts,
percentiles, and a table of reporting buckets to join against.

SQLite stores ``UTCDateTime`` as ``YYYY-MM-DD HH:MM:SS.ffffff`` text, which its date
functions read directly; PostgreSQL has real timestamps and intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Select,
    case,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery

from app.analytics.periods import Bucket
from app.db import UTCDateTime


def seconds_between(end: Any, start: Any, dialect: str) -> ColumnElement[Any]:
    """``end - start`` in seconds (NULL if either is NULL)."""
    if dialect == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def plus_hours(moment: Any, hours: int, dialect: str) -> ColumnElement[Any]:
    """``moment + hours`` as a value comparable with the column's stored form."""
    if dialect == "postgresql":
        return moment + literal(timedelta(hours=hours))
    # Same text layout as stored values (microseconds padded), so string comparison holds.
    return func.strftime("%Y-%m-%d %H:%M:%f000", moment, f"+{hours} hours")


def bucket_table(items: Sequence[Bucket]) -> Subquery:
    """A derived table ``buckets(idx, start_at, end_at)`` (UTC) to join rows into periods.

    Spelled as ``SELECT .. UNION ALL SELECT ..`` because SQLite cannot name the columns of
    a ``VALUES`` list.
    """
    rows = [
        select(
            literal(i, Integer).label("idx"),
            literal(b.start_at, UTCDateTime()).label("start_at"),
            literal(b.end_at, UTCDateTime()).label("end_at"),
        )
        for i, b in enumerate(items)
    ]
    return union_all(*rows).subquery("buckets")


def percentiles(
    durations: Select[Any], spec: Sequence[tuple[str, Sequence[float]]], dialect: str
) -> Select[Any]:
    """Per group, continuous percentiles of several value columns in one query.

    ``durations`` selects a column ``g`` (the group) and one column per name in ``spec``
    (NULL where there is no value). The result has ``g`` then ``<name>_p<percent>`` columns.
    PostgreSQL has ``percentile_cont`` (which skips NULLs). SQLite gets the same
    interpolation from window functions: rank each column's values per group (NULLs last),
    then take the two ranks around ``f * (n - 1)`` and interpolate.
    """
    sub = durations.subquery("d")
    if dialect == "postgresql":
        return select(
            sub.c.g,
            *(
                func.percentile_cont(f).within_group(sub.c[name]).label(_label(name, f))
                for name, fractions in spec
                for f in fractions
            ),
        ).group_by(sub.c.g)
    ranks: list[Any] = []
    for name, _ in spec:
        value = sub.c[name]
        rank = func.row_number().over(partition_by=sub.c.g, order_by=(value.is_(None), value))
        count = func.count(value).over(partition_by=sub.c.g)
        ranks += [value, (rank - 1).label(f"{name}_rn"), count.label(f"{name}_n")]
    ranked = select(sub.c.g, *ranks).subquery("r")
    columns = []
    for name, fractions in spec:
        value, rn, n = ranked.c[name], ranked.c[f"{name}_rn"], ranked.c[f"{name}_n"]
        for f in fractions:
            position = cast(n - 1, Float) * f
            low = cast(position, Integer)  # truncation is floor here: n >= 1 where it matters
            frac = position - low
            at_low = func.max(case((rn == low, value)))
            at_high = func.max(case((rn == low + 1, value)))
            # The fraction is the same on every row of a group; max() just picks it.
            step = func.coalesce(func.max(frac) * (at_high - at_low), 0.0)
            columns.append((at_low + step).label(_label(name, f)))
    return select(ranked.c.g, *columns).group_by(ranked.c.g)


def _label(name: str, fraction: float) -> str:
    return f"{name}_p{round(fraction * 100)}"
