"""The demo knowledge base for `router demo`: an online store, written for this project."""

from __future__ import annotations

from app.config import Settings
from app.kb.commands import article_count, import_file, read_articles_file
from app.kb.lexicon import DATA_DIR

DEMO_FILE = DATA_DIR / "demo_kb.json"


async def load_demo_kb(settings: Settings, *, reset: bool = False) -> str:
    """Load the demo articles into an empty KB only, so a restart never reverts an edit;
    ``reset`` replaces whatever is there with the demo. Returns what happened, for the banner."""
    existing = await article_count(settings)
    if existing and not reset:
        return (
            f"kept the {existing} articles already in the KB"
            " (`router demo --reset-kb` replaces them with the demo's)"
        )
    articles = read_articles_file(DEMO_FILE)
    await import_file(settings, articles, mode="replace" if reset else "upsert", actor="demo")
    return f"loaded the {len(articles)} demo articles"
