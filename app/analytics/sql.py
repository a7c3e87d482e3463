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


def percentiles(durations: Select[Any], fractions: Sequence[float], dialect: str) -> Select[Any]:
    """Per group, the continuous percentiles of ``v``: columns ``g`` then ``p0, p1, ...``.

    ``durations`` must select two labelled columns, ``g`` (the group) and ``v`` (a non-NULL
    number). PostgreSQL has ``percentile_cont``; on SQLite the same interpolation is done
    with window functions: rank the values per group, then take the two ranks around
    ``f * (n - 1)`` and interpolate, all in one aggregate query.
    """
    sub = durations.subquery("d")
    if dialect == "postgresql":
        return select(
            sub.c.g,
            *(
                func.percentile_cont(f).within_group(sub.c.v).label(f"p{i}")
                for i, f in enumerate(fractions)
            ),
        ).group_by(sub.c.g)
    ranked = select(
        sub.c.g,
        sub.c.v,
        (func.row_number().over(partition_by=sub.c.g, order_by=sub.c.v) - 1).label("rn"),
        func.count().over(partition_by=sub.c.g).label("n"),
    ).subquery("r")
    columns = []
    for i, f in enumerate(fractions):
        position = cast(ranked.c.n - 1, Float) * f
        low = cast(position, Integer)  # floor: positions are never negative
        frac = position - low
        at_low = func.max(case((ranked.c.rn == low, ranked.c.v)))
        at_high = func.max(case((ranked.c.rn == low + 1, ranked.c.v)))
        # The fraction is the same on every row of a group; max() just picks it.
        step = func.coalesce(func.max(frac) * (at_high - at_low), 0.0)
        columns.append((at_low + step).label(f"p{i}"))
    return select(ranked.c.g, *columns).group_by(ranked.c.g)
