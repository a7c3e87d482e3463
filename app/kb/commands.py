"""``router kb import`` / ``router kb export`` and the demo KB loader, on their own session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from app.audit.service import record
from app.config import Settings
from app.db import create_engine, create_sessionmaker, utcnow
from app.errors import ValidationFailed
from app.kb import articles as service
from app.kb.csv_io import parse_csv, to_csv
from app.kb.schemas import ImportResult


def read_articles_file(path: Path) -> list[dict[str, Any]]:
    """A JSON file (``{"articles": [...]}`` or a bare list) or a ``.csv`` file."""
    if path.suffix.lower() == ".csv":
        return parse_csv(path.read_bytes())
    data = json.loads(path.read_text(encoding="utf-8"))
    articles = data.get("articles") if isinstance(data, dict) else data
    if not isinstance(articles, list):
        raise ValidationFailed("the JSON file must hold an articles list")
    return articles


async def import_file(
    settings: Settings,
    raw: list[dict[str, Any]],
    mode: Literal["upsert", "replace"] = "upsert",
    *,
    actor: str = "cli",
) -> ImportResult:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            result = await service.import_articles(
                session, raw, mode=mode, max_articles=settings.kb_max_articles, now=utcnow()
            )
            details = {"mode": mode, **result.model_dump()}
            await record(session, actor=actor, action="kb.imported", details=details)
            return result
    finally:
        await engine.dispose()


async def article_count(settings: Settings) -> int:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            return await service.count_articles(session)
    finally:
        await engine.dispose()


async def export_all(settings: Settings) -> dict[str, Any]:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            items = await service.list_articles(session)
            return {"articles": [service.export_article(a) for a in items]}
    finally:
        await engine.dispose()


async def export_csv(settings: Settings) -> str:
    """The whole KB as the CSV ``router kb import`` and the import API read (with a BOM)."""
    return to_csv((await export_all(settings))["articles"])
