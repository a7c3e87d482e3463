"""What the engine needs from the knowledge base, as structural types (the kb package
implements them; tests or other KBs can too)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.kb.models import Article


class MatchLike(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def question(self) -> str: ...
    @property
    def score(self) -> float: ...


class SearchResultLike(Protocol):
    @property
    def decision(self) -> str: ...
    @property
    def matches(self) -> Sequence[MatchLike]: ...


class ArticleLike(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def answer(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def translations(self) -> Mapping[str, Mapping[str, str]]:
        """``{"en": {"question", "answer"}}``: what a customer writing English is shown."""
        ...


def translated(article: ArticleLike, lang: str, field: str, default: str) -> str:
    """The article's ``field`` in the customer's language where it has one, else ``default``
    (the KB's Indonesian text)."""
    return (article.translations or {}).get(lang, {}).get(field) or default


class KnowledgeSource(Protocol):
    async def search(
        self, session: AsyncSession, text: str, limit: int = 3
    ) -> SearchResultLike: ...

    def prefetch(self, texts: Sequence[str]) -> None:
        """Begin the searches of messages about to be handled (a batch), so they share the
        encoder; each later ``search`` of one of these texts takes its own."""
        ...

    async def get_article(self, session: AsyncSession, slug: str) -> Article | None: ...

    def card(self, slug: str) -> ArticleLike | None:
        """The answer of an article the last search could return, without a query."""
        ...
