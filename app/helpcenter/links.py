"""Where the bot points a customer for an article: its own ``url``, else its help-center
page under ``ROUTER_PUBLIC_URL`` (without that setting the bot has no absolute address to
give, so no link)."""

from __future__ import annotations

from app.config import Settings


def article_link(settings: Settings, slug: str, url: str | None) -> str | None:
    if url:
        return url
    base = settings.public_url.strip().rstrip("/")
    return f"{base}/help/a/{slug}" if base else None
