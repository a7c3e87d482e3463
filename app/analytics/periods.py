"""Reporting periods: the query's ``from``/``to`` and the day/week buckets of a time series.

Ops think in the business's local time, so dates without an offset and day/week boundaries are
read in the configured timezone (default Asia/Jakarta); everything handed to SQL is UTC.
Periods are half-open, ``[from, to)``: a conversation created exactly at ``to`` belongs to the
next period, so consecutive periods never count one twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from app.errors import ValidationFailed

Granularity = Literal["day", "week"]

DEFAULT_DAYS = 30
MAX_BUCKETS = 1000


class InvalidPeriod(ValidationFailed):
    code = "invalid_period"


@dataclass(frozen=True)
class Period:
    start_at: datetime  # UTC, inclusive
    end_at: datetime  # UTC, exclusive


@dataclass(frozen=True)
class Bucket:
    starts: datetime  # local start of the day/week (the label), tz-aware
    start_at: datetime  # UTC, clipped to the period
    end_at: datetime  # UTC, clipped to the period


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def parse_instant(value: str, *, field: str, tz: ZoneInfo, end_of_day: bool = False) -> datetime:
    """An ISO 8601 date or datetime as UTC; naive values are local time in ``tz``.

    A bare date as the end of a range means "through that day" (``to=2026-11-30`` includes
    the 30th), which is what people mean when they type dates.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if end_of_day:
                day += timedelta(days=1)
            instant = _local_midnight(day, tz).astimezone(UTC)
        else:
            parsed = datetime.fromisoformat(text.replace(" ", "+") if "T" in text else text)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=tz)
            instant = parsed.astimezone(UTC)
    # OverflowError: the edges of the calendar (year 1, 9999) shifted by a time zone.
    except (ValueError, OverflowError):
        raise InvalidPeriod(
            f"{field} must be an ISO 8601 date or datetime, got {value[:40]!r}",
            code="invalid_date",
        ) from None
    # Far enough from the calendar's edges that the period arithmetic cannot overflow.
    if not EARLIEST <= instant <= UNBOUNDED.end_at:
        raise InvalidPeriod(f"{field} is out of range, got {value[:40]!r}", code="invalid_date")
    return instant


def resolve_period(
    raw_from: str | None,
    raw_to: str | None,
    *,
    now: datetime,
    tz: ZoneInfo,
    default_days: int | None = DEFAULT_DAYS,
) -> Period:
    """The requested range; 422 when from > to.

    Without ``to`` it ends now; without ``from`` it covers ``default_days`` before ``to``, or
    everything when ``default_days`` is None (and then a missing ``to`` means no end either).
    """
    if raw_to:
        end_at = parse_instant(raw_to, field="to", tz=tz, end_of_day=True)
    else:
        end_at = now if default_days is not None else UNBOUNDED.end_at
    if raw_from:
        start_at = parse_instant(raw_from, field="from", tz=tz)
    elif default_days is None:
        start_at = UNBOUNDED.start_at
    else:
        start_at = end_at - timedelta(days=default_days)
    if start_at > end_at:
        raise InvalidPeriod("from must not be after to")
    return Period(start_at=start_at, end_at=end_at)


UNBOUNDED = Period(
    start_at=datetime(1970, 1, 1, tzinfo=UTC), end_at=datetime(9999, 1, 1, tzinfo=UTC)
)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


def _floor(moment: datetime, granularity: Granularity, tz: ZoneInfo) -> date:
    day = moment.astimezone(tz).date()
    return day - timedelta(days=day.weekday()) if granularity == "week" else day


def buckets(period: Period, granularity: Granularity, tz: ZoneInfo) -> list[Bucket]:
    """Local days or ISO weeks (Monday first) covering the period, clipped to it.

    Boundaries are local midnights converted to UTC one by one, so a DST change in the
    configured zone moves the boundary instead of shifting every later bucket.
    """
    step = timedelta(days=7 if granularity == "week" else 1)
    day = _floor(period.start_at, granularity, tz)
    result: list[Bucket] = []
    while True:
        starts = _local_midnight(day, tz)
        start_at = starts.astimezone(UTC)
        if start_at >= period.end_at:
            break
        end_at = _local_midnight(day + step, tz).astimezone(UTC)
        result.append(
            Bucket(
                starts=starts,
                start_at=max(start_at, period.start_at),
                end_at=min(end_at, period.end_at),
            )
        )
        if len(result) > MAX_BUCKETS:
            raise InvalidPeriod(
                f"at most {MAX_BUCKETS} {granularity}s per series; choose a shorter range "
                "or granularity=week",
                code="too_many_periods",
            )
        day += step
    return result
