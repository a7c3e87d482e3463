"""The periodic job that keeps this replica's index in step with the KB version stamp."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.kb.service import KnowledgeBase
from app.workers import PeriodicWorker


async def refresh_kb(sessionmaker: async_sessionmaker[AsyncSession], kb: KnowledgeBase) -> None:
    async with sessionmaker() as session:
        await kb.refresh(session)


def kb_refresh_worker(
    sessionmaker: async_sessionmaker[AsyncSession], kb: KnowledgeBase, settings: Settings
) -> PeriodicWorker:
    return PeriodicWorker(
        "kb_refresh",
        lambda: refresh_kb(sessionmaker, kb),
        settings.kb_refresh_interval_seconds,
    )
