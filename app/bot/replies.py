"""Building the bot's replies: pure functions from what was decided to channel-neutral text."""

from __future__ import annotations

from collections.abc import Sequence

from app.bot import templates
from app.bot.ratings import rating_buttons
from app.bot.types import ARTICLE_PREFIX, ESCALATE, HELPFUL_NO, HELPFUL_YES, Button, Reply


def greeting(name: str | None, lang: str) -> Reply:
    first = (name or "").strip().split(" ")[0]
    return Reply(templates.text("greeting", lang, name=f", {first}" if first else ""))


def answer(*, slug: str, answer_text: str, url: str | None, lang: str) -> Reply:
    footer = (
        templates.text("answer_footer", lang, url=url)
        if url
        else templates.text("answer_footer_no_url", lang)
    )
    return Reply(
        text=f"{answer_text.strip()}\n\n{footer}",
        buttons=(
            templates.button(HELPFUL_YES, lang),
            templates.button(HELPFUL_NO, lang),
            templates.button(ESCALATE, lang),
        ),
        article=slug,
        url=url,
    )


def suggestions(choices: Sequence[tuple[str, str]], lang: str) -> Reply:
    """``choices`` are (slug, question) pairs, best first."""
    buttons = [Button(id=f"{ARTICLE_PREFIX}{slug}", title=question) for slug, question in choices]
    buttons.append(templates.button(ESCALATE, lang))
    return Reply(templates.text("suggest", lang), buttons=tuple(buttons))


def no_match(lang: str) -> Reply:
    return Reply(templates.text("no_match", lang), buttons=(templates.button(ESCALATE, lang),))


def not_helpful(lang: str) -> Reply:
    return Reply(templates.text("not_helpful", lang), buttons=(templates.button(ESCALATE, lang),))


def plain(key: str, lang: str) -> Reply:
    return Reply(templates.text(key, lang))


def escalated(
    *,
    position: int | None,
    after_hours_until: str | None,
    frustrated: bool,
    lang: str,
    key: str = "escalated",
) -> Reply:
    """``key``: the text saying why (``order_received``...), with a ``{position}`` slot."""
    queue = templates.queue_position(position, lang)
    if frustrated:
        text = templates.text("frustration", lang) + queue
    else:
        text = templates.text(key, lang, position=queue)
    if after_hours_until:
        text += templates.text("after_hours", lang, when=after_hours_until)
    return Reply(text)


def still_waiting(position: int | None, lang: str) -> Reply:
    return Reply(
        templates.text("still_waiting", lang, position=templates.queue_position(position, lang))
    )


def rating_question(lang: str) -> Reply:
    """Asked once when an agent resolved the conversation; the buttons are csat:5 .. csat:1."""
    return Reply(templates.csat_prompt(lang), buttons=rating_buttons(lang))
