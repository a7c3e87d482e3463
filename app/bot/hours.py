"""Business hours such as "Mon-Fri 08:00-12:00,13:00-17:00; Sat 09:00-13:00" in a timezone,
with holidays: pure functions.

The one-period form of earlier releases ("Mon-Fri 08:00-17:00") is the same grammar with one
group and one period. Groups are separated by ";", a group's periods by ",". A day named in
two groups gets the periods of both. A period ends after it starts on the same day; "24:00"
ends at midnight. Holidays (dates in the business's timezone) are closed all day.

``add_business_seconds`` and ``business_seconds_between`` are the service-level clock
(``app.sla``): they skip nights, lunch breaks, weekends and holidays. Arithmetic is done in
UTC so that a zone with daylight saving time still counts real seconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_GROUP = re.compile(r"^\s*(\w{3})(?:\s*-\s*(\w{3}))?\s+(.+?)\s*$")
_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_FORM = "'Mon-Fri 08:00-12:00,13:00-17:00; Sat 09:00-13:00'"
# A calendar with no open time at all would make a due time infinite: search this far at most.
_MAX_DAYS = 3 * 366

Period = tuple[time, time | None]  # None: until midnight ("24:00")


def _clock(hours: str, minutes: str, spec: str, *, end: bool) -> time | None:
    h, m = int(hours), int(minutes)
    if end and (h, m) == (24, 0):
        return None
    if h > 23 or m > 59:
        raise ValueError(f"business hours: no such time {hours}:{minutes} in {spec!r}")
    return time(h, m)


def _day(name: str, spec: str) -> int:
    if name not in _DAYS:
        raise ValueError(f"business hours: unknown day {name!r} in {spec!r}; expected {_FORM}")
    return _DAYS.index(name)


def _parse_group(group: str, spec: str) -> dict[int, list[Period]]:
    match = _GROUP.match(group)
    if not match:
        raise ValueError(f"business hours must look like {_FORM}, got {spec!r}")
    first, last, periods_text = match.groups()
    start = _day(first, spec)
    end = _day(last, spec) if last else start
    days = [(start + i) % 7 for i in range((end - start) % 7 + 1)]
    by_day: dict[int, list[Period]] = {}
    for raw in periods_text.split(","):
        found = _PERIOD.match(raw)
        if not found:
            raise ValueError(f"business hours must look like {_FORM}, got {spec!r}")
        oh, om, ch, cm = found.groups()
        opens = _clock(oh, om, spec, end=False)
        closes = _clock(ch, cm, spec, end=True)
        if opens is None:
            raise ValueError(f"business hours: {raw.strip()!r} cannot open at 24:00")
        for day in days:
            if closes is None or closes > opens:
                by_day.setdefault(day, []).append((opens, closes))
            elif closes < opens:  # overnight, "22:00-06:00": into the next morning
                by_day.setdefault(day, []).append((opens, None))
                by_day.setdefault((day + 1) % 7, []).append((time(0), closes))
            # equal ("00:00-00:00"): no open time that day, as the old parser read it
    return by_day


def parse_holidays(spec: str) -> frozenset[date]:
    """``"2026-12-25, 2027-01-01"`` -> dates; raises ValueError naming a bad one."""
    days: set[date] = set()
    for raw in spec.replace(";", ",").split(","):
        if raw.strip():
            try:
                days.add(date.fromisoformat(raw.strip()))
            except ValueError:
                raise ValueError(
                    f"holidays must be YYYY-MM-DD dates, got {raw.strip()!r}"
                ) from None
    return frozenset(days)


@dataclass(frozen=True)
class BusinessHours:
    # weekday (0 = Monday) -> that day's open periods, sorted, not overlapping
    periods: dict[int, tuple[Period, ...]]
    zone: ZoneInfo
    holidays: frozenset[date] = frozenset()

    @classmethod
    def parse(cls, spec: str, timezone: str, holidays: Iterable[date] | str = ()) -> BusinessHours:
        """Parse the business hours (see the module's docstring); raises ValueError."""
        by_day: dict[int, list[Period]] = {}
        groups = [g for g in spec.lower().split(";") if g.strip()]
        if not groups:
            raise ValueError(f"business hours must look like {_FORM}, got {spec!r}")
        for group in groups:
            for day, periods in _parse_group(group, spec).items():
                by_day.setdefault(day, []).extend(periods)
        merged = {day: _merge(periods) for day, periods in by_day.items()}
        days_off = parse_holidays(holidays) if isinstance(holidays, str) else frozenset(holidays)
        return cls(merged, ZoneInfo(timezone), days_off)

    def open_intervals(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals (UTC, half-open) that end after ``since``, in order; the first one
        is clipped to start at ``since``. Stops after ``_MAX_DAYS`` days."""
        since = since.astimezone(UTC)
        day = since.astimezone(self.zone).date()
        for _ in range(_MAX_DAYS):
            if day not in self.holidays:
                for opens, closes in self.periods.get(day.weekday(), ()):
                    start = datetime.combine(day, opens, tzinfo=self.zone).astimezone(UTC)
                    end_day = day if closes is not None else day + timedelta(days=1)
                    end_clock = closes if closes is not None else time(0)
                    end = datetime.combine(end_day, end_clock, tzinfo=self.zone).astimezone(UTC)
                    if end > since:
                        yield max(start, since), end
            day += timedelta(days=1)

    def is_open(self, now: datetime) -> bool:
        first = next(self.open_intervals(now), None)
        return first is not None and first[0] <= now.astimezone(UTC) < first[1]

    def next_opening(self, now: datetime) -> datetime:
        """When the business next opens after ``now`` (local time); ``now`` if never."""
        for start, _end in self.open_intervals(now):
            if start > now.astimezone(UTC):
                return start.astimezone(self.zone)
        return now.astimezone(self.zone)

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """``start`` plus ``seconds`` of open time (UTC). Zero seconds from a closed moment
        is the next opening. Raises ValueError when the calendar never opens."""
        remaining = timedelta(seconds=seconds)
        for opens, closes in self.open_intervals(start):
            if remaining <= closes - opens:
                return opens + remaining
            remaining -= closes - opens
        raise ValueError("the business hours never open: no due time can be computed")

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        """Open seconds in ``[start, end)``; 0 when ``end`` is not after ``start``."""
        end = end.astimezone(UTC)
        total = 0.0
        for opens, closes in self.open_intervals(start):
            if opens >= end:
                break
            total += (min(closes, end) - opens).total_seconds()
        return total


def _merge(periods: list[Period]) -> tuple[Period, ...]:
    """Sorted periods with overlaps joined (two groups may name the same day)."""
    ordered = sorted(periods, key=lambda p: (p[0], p[1] is None, p[1] or time(0)))
    out: list[Period] = []
    for opens, closes in ordered:
        if out:
            last_open, last_close = out[-1]
            if last_close is None or opens <= last_close:
                later = None if last_close is None or closes is None else max(last_close, closes)
                out[-1] = (last_open, later)
                continue
        out.append((opens, closes))
    return tuple(out)


def describe_opening(opening: datetime, now: datetime, lang: str) -> str:
    """Human wording such as "besok pukul 08:00" / "tomorrow at 08:00"."""
    local_now = now.astimezone(opening.tzinfo)
    days = (opening.date() - local_now.date()).days
    clock = opening.strftime("%H:%M")
    if lang == "en":
        when = {0: "today", 1: "tomorrow"}.get(days, opening.strftime("%A"))
        return f"{when} at {clock}"
    names = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
    when = {0: "hari ini", 1: "besok"}.get(days, f"hari {names[opening.weekday()]}")
    return f"{when} pukul {clock}"
