from tests.bot.conftest import kb_loaded

__all__ = ["kb_loaded"]
