"""The help center's per-process parts: the activity buffer and its flush job, the page
cache, visitor ids and the events' rate limit."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.helpcenter.activity import Activity
from app.helpcenter.cache import PageCache
from app.helpcenter.search import SearchCache
from app.helpcenter.visitors import VisitorIds, is_crawler, valid_client_id
from app.ratelimit import RateLimiter
from app.workers import PeriodicWorker

logger = logging.getLogger("app.helpcenter")


@dataclass
class HelpCenter:
    activity: Activity
    cache: PageCache
    searches: SearchCache
    visitors: VisitorIds
    # In memory, per replica: checking a shared limit would cost a database write per event,
    # which the buffer exists to avoid.
    limiter: RateLimiter

    def visitor(
        self, *, at: datetime, client_id: str | None, ip: str, user_agent: str | None
    ) -> str | None:
        """The visitor to count, or None for a crawler (never counted)."""
        if is_crawler(user_agent):
            return None
        given = client_id if client_id and valid_client_id(client_id) else None
        day = at.astimezone(self.activity.tz).date()
        return self.visitors.of(day=day, client_id=given, ip=ip, user_agent=user_agent or "")

    async def close(self) -> None:
        try:
            await self.activity.flush()
        except Exception:  # the database may be gone at shutdown: nothing else to do
            logger.warning("help activity not saved at shutdown", exc_info=True)


def help_center(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    writer_queue: asyncio.Lock | None,
) -> HelpCenter:
    # Replicas derive the same daily salt from a secret they share.
    secret = settings.admin_token.get_secret_value() if settings.admin_token else None
    return HelpCenter(
        activity=Activity(sessionmaker, tz=ZoneInfo(settings.timezone), writer_queue=writer_queue),
        cache=PageCache(),
        searches=SearchCache(),
        visitors=VisitorIds(secret or settings.database_url),
        limiter=RateLimiter(settings.help_events_per_minute, 60.0),
    )


def help_flush_worker(help: HelpCenter, settings: Settings) -> PeriodicWorker:
    return PeriodicWorker(
        "help_activity", help.activity.flush, settings.help_flush_interval_seconds
    )
