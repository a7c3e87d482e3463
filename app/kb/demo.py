"""The demo knowledge base for `router demo`: an online store, written for this project."""

from __future__ import annotations

from app.config import Settings
from app.kb.commands import import_file, read_articles_file
from app.kb.lexicon import DATA_DIR

DEMO_FILE = DATA_DIR / "demo_kb.json"


async def load_demo_kb(settings: Settings) -> None:
    """Upsert the demo articles through the normal import path; running it twice is harmless."""
    await import_file(settings, read_articles_file(DEMO_FILE), mode="upsert")
