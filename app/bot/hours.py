"""Business hours such as "Mon-Fri 08:00-17:00" in a timezone: pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_SPEC = re.compile(r"^\s*(\w{3})(?:-(\w{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class BusinessHours:
    days: frozenset[int]  # 0 = Monday
    opens: time
    closes: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec: str, timezone: str) -> BusinessHours:
        """Parse "Mon-Fri 08:00-17:00" (or "Mon 09:00-12:00"); raises ValueError."""
        match = _SPEC.match(spec.lower())
        if not match:
            raise ValueError(f"business hours must look like 'Mon-Fri 08:00-17:00', got {spec!r}")
        first, last, oh, om, ch, cm = match.groups()
        start = _DAYS.index(first)
        end = _DAYS.index(last) if last else start
        days = {(start + i) % 7 for i in range((end - start) % 7 + 1)}
        return cls(
            frozenset(days), time(int(oh), int(om)), time(int(ch), int(cm)), ZoneInfo(timezone)
        )

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.zone)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def next_opening(self, now: datetime) -> datetime:
        local = now.astimezone(self.zone)
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            opening = datetime.combine(day, self.opens, tzinfo=self.zone)
            if day.weekday() in self.days and opening > local:
                return opening
        return local  # unreachable with at least one open day


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
