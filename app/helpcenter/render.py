"""Article Markdown to safe HTML: markdown-it-py renders it (raw HTML switched off), nh3
then keeps only the tags, attributes and URL schemes below, so a ``<script>``, an
``onerror=`` or a ``javascript:`` link in a body renders inert whatever the editor typed."""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6", "hr", "img",
    "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}
_SCHEMES = {"http", "https", "mailto", "tel"}
# Headings move one level down: the page's <h1> is the question.
_HEADING = re.compile(r"<(/?)h([1-5])>")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # "commonmark" with tables and strikethrough; html=False: raw HTML in the source is text.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
        ["table", "strikethrough"]
    )


def render_markdown(source: str) -> str:
    """Sanitised HTML of a Markdown body."""
    html = _markdown().render(source)
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}>", html)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_answer(answer: str) -> str:
    """An answer (plain text, as the bot sends it) as paragraphs."""
    return render_markdown(answer)


def plain_text(html: str) -> str:
    """The words of rendered HTML (descriptions and snippets)."""
    return _SPACE.sub(" ", _TAG.sub(" ", html)).strip()


def snippet(text: str, limit: int = 160) -> str:
    """At most ``limit`` characters, cut at a word boundary with an ellipsis."""
    text = _SPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + "…"
