"""Fitting text to a platform's limits: split long bodies at word boundaries, shorten labels."""

from __future__ import annotations

from collections.abc import Iterable

from app.bot.templates import SHORT_TITLES

ELLIPSIS = "…"

# Labels too long for 20-character buttons, with the wording a person would pick (kept with
# the bot's other texts); anything else is shortened at a word boundary.
SHORT_LABELS = SHORT_TITLES


def _cut_point(text: str, limit: int) -> int:
    """Where to end the first piece of ``text`` (len > limit): a paragraph, line or word end."""
    window = text[: limit + 1]
    for separator in ("\n\n", "\n"):
        at = window.rfind(separator)
        if at > limit // 2:
            return at
    at = max(window.rfind(" "), window.rfind("\t"))
    if at > 0:
        return at
    # One "word" longer than the limit (a very long URL): nothing better than a hard cut.
    return limit


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at whitespace (never mid-word if avoidable)."""
    rest = text.strip()
    pieces: list[str] = []
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        piece = rest[:cut].rstrip()
        if piece:
            pieces.append(piece)
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def split_with_tail(text: str, *, tail_limit: int, limit: int) -> tuple[list[str], str]:
    """``(head pieces <= limit, tail <= tail_limit)``: the tail carries an interactive body,
    which has a smaller limit than plain text, and it is the *end* of the text."""
    text = text.strip()
    if len(text) <= tail_limit:
        return [], text
    # A tail after whitespace at index i has len(text) - i - 1 characters: the first
    # whitespace at or after `start` gives the longest tail that starts on a word.
    start = len(text) - tail_limit - 1
    cut = next((i for i in range(start, len(text)) if text[i].isspace()), -1)
    if cut == -1:
        cut = start  # one giant trailing word: hard cut
    tail = text[cut + 1 :].strip()
    head = text[: cut + 1].strip()
    return (split_text(head, limit) if head else []), tail


def fit_label(title: str, limit: int) -> str:
    """A button title within ``limit`` characters, shortened at a word boundary."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    short = SHORT_LABELS.get(title)
    if short is not None and len(short) <= limit:
        return short
    room = limit - len(ELLIPSIS)
    head = title[: room + 1]
    at = head.rfind(" ")
    head = head[:at] if at > room // 2 else title[:room]
    return head.rstrip(" ,.;:-") + ELLIPSIS


def unique_labels(titles: Iterable[str], limit: int) -> list[str]:
    """Fitted titles, made distinct (WhatsApp rejects two buttons with the same title)."""
    seen: set[str] = set()
    result: list[str] = []
    for title in titles:
        label = fit_label(title, limit)
        number = 2
        candidate = label
        while candidate.casefold() in seen:
            suffix = f" ({number})"
            candidate = fit_label(label, limit - len(suffix)) + suffix
            number += 1
        seen.add(candidate.casefold())
        result.append(candidate)
    return result
