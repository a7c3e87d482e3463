"""The service-level clock: due and warning times from a start and a target, in business
hours or around the clock. Pure, apart from where a session finds the configured clock.

The clock comes from the settings (business hours, holidays, timezone, warning share). The
lifespan puts it in every session's ``info`` (``configure``), so the handoff service, which
gets no settings, computes due times with the business's calendar in any process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.bot.hours import BusinessHours
from app.config import Settings

_KEY = "sla_clock"


@dataclass(frozen=True)
class SlaClock:
    calendar: BusinessHours = field(
        default_factory=lambda: BusinessHours.parse("Mon-Fri 08:00-17:00", "Asia/Jakarta")
    )
    warning_ratio: float = 0.8

    @classmethod
    def from_settings(cls, settings: Settings) -> SlaClock:
        calendar = BusinessHours.parse(
            settings.business_hours, settings.timezone, settings.holidays
        )
        return cls(calendar, settings.sla_warning_ratio)

    def due(self, start: datetime, seconds: float, *, business_hours: bool) -> datetime:
        """``start`` plus the target: open time only for a business-hours policy."""
        if business_hours:
            try:
                return self.calendar.add_business_seconds(start, seconds)
            except ValueError:  # business hours that never open: count around the clock
                pass
        return start + timedelta(seconds=seconds)

    def warning(self, start: datetime, seconds: float, *, business_hours: bool) -> datetime:
        """When ``warning_ratio`` of the target is used."""
        return self.due(start, seconds * self.warning_ratio, business_hours=business_hours)


def configure(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Give every session of ``sessionmaker`` the clock of these settings."""
    share_with_sessions(sessionmaker, _KEY, SlaClock.from_settings(settings))


def share_with_sessions(
    sessionmaker: async_sessionmaker[AsyncSession], key: str, value: object
) -> None:
    """Put ``value`` in the ``info`` of every session ``sessionmaker`` makes from now on."""
    info = dict(sessionmaker.kw.get("info") or {})
    info[key] = value
    sessionmaker.configure(info=info)


def clock_of(session: AsyncSession) -> SlaClock:
    clock = session.info.get(_KEY)
    return clock if isinstance(clock, SlaClock) else SlaClock()
