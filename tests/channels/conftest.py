from __future__ import annotations

import pytest
from fastapi import FastAPI

from app.bot.engine import ConversationEngine
from tests.fakes.fixtures import graph_api, settings

__all__ = ["bot", "graph_api", "settings"]


@pytest.fixture
def bot(app: FastAPI) -> ConversationEngine:
    """The app's conversation engine (wired here too while main.py does not set it yet)."""
    engine = getattr(app.state, "bot", None)
    if engine is None:
        engine = ConversationEngine(app.state.settings, app.state.kb)
        app.state.bot = engine
    assert isinstance(engine, ConversationEngine)
    return engine
