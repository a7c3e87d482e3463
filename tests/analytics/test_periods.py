"""Reporting periods: parsing, local-time buckets, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.analytics.periods import InvalidPeriod, Period, buckets, resolve_period

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_bare_dates_are_local_days_and_to_includes_its_day() -> None:
    period = resolve_period("2026-03-02", "2026-03-04", now=NOW, tz=JAKARTA)

    assert period.start_at == datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
    assert period.end_at == datetime(2026, 3, 4, 17, 0, tzinfo=UTC)


def test_offsets_are_respected_and_naive_times_are_local() -> None:
    period = resolve_period("2026-03-02T10:00:00Z", "2026-03-02T18:00:00", now=NOW, tz=JAKARTA)

    assert period.start_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert period.end_at == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    # A "+" left unescaped in a query string arrives as a space.
    spaced = resolve_period("2026-03-02T10:00:00 07:00", None, now=NOW, tz=JAKARTA)
    assert spaced.start_at == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def test_defaults_to_the_last_30_days_or_everything() -> None:
    assert resolve_period(None, None, now=NOW, tz=JAKARTA) == Period(
        start_at=NOW - timedelta(days=30), end_at=NOW
    )
    unbounded = resolve_period(None, None, now=NOW, tz=JAKARTA, default_days=None)
    assert unbounded.start_at.year == 1970
    assert unbounded.end_at.year == 9999


@pytest.mark.parametrize(
    ("raw_from", "raw_to", "code"),
    [
        ("02/03/2026", None, "invalid_date"),
        ("2026-02-30", None, "invalid_date"),
        ("2026-03-05", "2026-03-01", "invalid_period"),
    ],
)
def test_invalid_input(raw_from: str, raw_to: str | None, code: str) -> None:
    with pytest.raises(InvalidPeriod) as error:
        resolve_period(raw_from, raw_to, now=NOW, tz=JAKARTA)
    assert error.value.code == code
    assert error.value.status_code == 422


def test_day_buckets_are_clipped_to_the_period() -> None:
    period = Period(
        start_at=datetime(2026, 3, 2, 5, 0, tzinfo=UTC),  # 12:00 local
        end_at=datetime(2026, 3, 3, 20, 0, tzinfo=UTC),  # 03:00 local on the 4th
    )

    result = buckets(period, "day", JAKARTA)

    assert [b.starts.isoformat() for b in result] == [
        "2026-03-02T00:00:00+07:00",
        "2026-03-03T00:00:00+07:00",
        "2026-03-04T00:00:00+07:00",
    ]
    assert result[0].start_at == period.start_at
    assert result[1].start_at == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    assert result[-1].end_at == period.end_at


def test_weeks_start_on_monday_and_dst_moves_the_boundary() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    period = resolve_period("2026-03-26", "2026-03-31", now=NOW, tz=berlin)

    weeks = buckets(period, "week", berlin)
    days = buckets(period, "day", berlin)

    assert [w.starts.date().isoformat() for w in weeks] == ["2026-03-23", "2026-03-30"]
    # Summer time starts on 29 March: that local day is 23 hours long.
    lengths = {d.starts.day: (d.end_at - d.start_at) for d in days}
    assert lengths[29] == timedelta(hours=23)
    assert lengths[30] == timedelta(hours=24)


def test_too_many_buckets() -> None:
    period = resolve_period("2020-01-01", "2026-01-01", now=NOW, tz=JAKARTA)

    with pytest.raises(InvalidPeriod) as error:
        buckets(period, "day", JAKARTA)
    assert error.value.code == "too_many_periods"
    assert len(buckets(period, "week", JAKARTA)) == 314
