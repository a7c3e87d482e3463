"""The business calendar: several periods a day, holidays, the business's timezone; due
times that skip lunch, nights, weekends and holidays. 2026-12-07 is a Monday; Jakarta is
UTC+7 all year."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.bot.hours import BusinessHours, parse_holidays

JKT = ZoneInfo("Asia/Jakarta")
SPEC = "Mon-Fri 08:00-12:00,13:00-17:00; Sat 09:00-13:00"


def jkt(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=JKT)


@pytest.fixture
def hours() -> BusinessHours:
    return BusinessHours.parse(SPEC, "Asia/Jakarta", "2026-12-25")


def test_the_one_period_form_still_parses_as_before() -> None:
    old = BusinessHours.parse("Mon-Fri 08:00-17:00", "Asia/Jakarta")
    assert old.is_open(jkt(8, 12, 30))  # no lunch break in it
    assert not old.is_open(jkt(12, 10))  # Saturday
    assert old.next_opening(jkt(11, 18)) == jkt(14, 8)


def test_several_periods_a_day_and_saturday(hours: BusinessHours) -> None:
    assert hours.is_open(jkt(8, 11, 59))
    assert not hours.is_open(jkt(8, 12, 30))  # lunch
    assert hours.is_open(jkt(8, 13, 0))
    assert hours.is_open(jkt(12, 9, 0))  # Saturday morning
    assert not hours.is_open(jkt(12, 13, 0))
    assert not hours.is_open(jkt(13, 10))  # Sunday
    assert hours.next_opening(jkt(8, 12, 10)) == jkt(8, 13)


def test_a_holiday_is_closed_all_day(hours: BusinessHours) -> None:
    assert not hours.is_open(jkt(25, 10))  # Friday, Christmas
    assert hours.next_opening(jkt(24, 17, 30)) == jkt(26, 9)  # Saturday's short day


def test_due_time_across_the_lunch_break(hours: BusinessHours) -> None:
    # 11:50 + 30 business minutes: 10 before lunch, 20 after it.
    assert hours.add_business_seconds(jkt(8, 11, 50), 30 * 60) == jkt(8, 13, 20)


def test_due_time_across_the_weekend(hours: BusinessHours) -> None:
    # Friday 16:30 + 5 h: 30 min Friday, 4 h Saturday (09-13), 30 min Monday.
    due = hours.add_business_seconds(jkt(11, 16, 30), 5 * 3600)
    assert due == jkt(14, 8, 30)


def test_due_time_across_a_holiday(hours: BusinessHours) -> None:
    # Thursday 24th 16:00 + 2 h: 1 h Thursday, Friday the 25th closed, 1 h Saturday.
    assert hours.add_business_seconds(jkt(24, 16), 2 * 3600) == jkt(26, 10)


def test_due_time_across_midnight_in_jakarta_not_utc(hours: BusinessHours) -> None:
    # 23:30 Monday in Jakarta is 16:30 UTC, still Monday there: opens Tuesday 08:00 local.
    start = jkt(8, 23, 30)
    assert start.astimezone(UTC).day == 8
    due = hours.add_business_seconds(start, 15 * 60)
    assert due == jkt(9, 8, 15)
    assert due.tzinfo is not None
    assert due.utcoffset() == timedelta(0)
    # And a start that is already Tuesday in Jakarta but Monday in UTC.
    early = datetime(2026, 12, 8, 17, 30, tzinfo=UTC)  # 00:30 Tuesday local
    assert hours.add_business_seconds(early, 60) == jkt(9, 8, 1)


def test_zero_seconds_from_a_closed_moment_is_the_next_opening(hours: BusinessHours) -> None:
    assert hours.add_business_seconds(jkt(13, 10), 0) == jkt(14, 8)
    assert hours.add_business_seconds(jkt(8, 10), 0) == jkt(8, 10)


def test_business_seconds_between_is_the_inverse(hours: BusinessHours) -> None:
    start = jkt(11, 16, 30)
    for seconds in (0, 60, 1800, 4 * 3600 + 1800, 9 * 3600, 30 * 3600):
        due = hours.add_business_seconds(start, seconds)
        assert hours.business_seconds_between(start, due) == pytest.approx(seconds)
    assert hours.business_seconds_between(jkt(8, 12), jkt(8, 13)) == 0


def test_periods_of_two_groups_on_one_day_are_merged() -> None:
    merged = BusinessHours.parse("Mon 08:00-12:00; Mon 11:00-14:00", "Asia/Jakarta")
    assert merged.add_business_seconds(jkt(7, 8), 6 * 3600) == jkt(7, 14)


def test_an_overnight_period_runs_into_the_next_morning() -> None:
    night = BusinessHours.parse("Fri 22:00-06:00", "Asia/Jakarta")
    assert night.is_open(jkt(12, 5, 59))  # Saturday morning belongs to Friday's shift
    assert not night.is_open(jkt(12, 6, 0))
    assert night.add_business_seconds(jkt(11, 23, 0), 3 * 3600) == jkt(12, 2)


def test_an_empty_period_never_opens_and_due_times_fall_back() -> None:
    from app.sla.clock import SlaClock

    never = BusinessHours.parse("Mon-Sun 00:00-00:00", "Asia/Jakarta")
    assert not never.is_open(jkt(8, 10))
    with pytest.raises(ValueError, match="never open"):
        never.add_business_seconds(jkt(8, 10), 60)
    clock = SlaClock(never)
    assert clock.due(jkt(8, 10), 60, business_hours=True) == jkt(8, 10, 1)


def test_until_midnight_and_around_the_week() -> None:
    always = BusinessHours.parse("Mon-Sun 00:00-24:00", "Asia/Jakarta")
    start = jkt(8, 23, 0)
    assert always.add_business_seconds(start, 7200) == jkt(9, 1)
    assert always.is_open(jkt(13, 3))


@pytest.mark.parametrize(
    "spec",
    [
        "whenever",
        "Mon-Fri 08:00-17:00,",
        "Mon-Fri 24:00-08:00",
        "Mon-Fri 08:00-25:00",
        "Xyz 08:00-10:00",
        "",
    ],
)
def test_nonsense_is_refused_with_the_expected_form(spec: str) -> None:
    with pytest.raises(ValueError, match="business hours"):
        BusinessHours.parse(spec, "Asia/Jakarta")


def test_holidays_parse_and_refuse_bad_dates() -> None:
    assert parse_holidays(" 2026-12-25, 2027-01-01 ") == {date(2026, 12, 25), date(2027, 1, 1)}
    assert parse_holidays("") == frozenset()
    with pytest.raises(ValueError, match="2026-13-01"):
        parse_holidays("2026-13-01")


def test_a_monday_holiday_moves_a_monday_only_calendar_a_week() -> None:
    closed = BusinessHours.parse("Mon 08:00-09:00", "Asia/Jakarta", "2026-12-07")
    # Mondays exist, so this one finds next Monday; only an empty week never opens.
    assert closed.add_business_seconds(jkt(7, 8), 60) == jkt(14, 8, 1)
