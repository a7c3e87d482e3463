"""Searches begun ahead: the inbox hands the engine a batch of messages, which it handles one
by one, each awaiting its search. Begun together (``KnowledgeBase.prefetch``), their encodings
share one encoder batch instead of queueing one at a time; each search then takes its own.

One entry per message, not per distinct text: two customers who write the same words each
get their own encoding, as they would without the lookahead (it is not a cache).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from dataclasses import dataclass

from app.kb.index import MatchIndex
from app.kb.matcher import Cosines, Query

# Entries nobody took (the message turned out to be a greeting, or its conversation is with
# an agent) are dropped oldest first past this many: a few inbox batches' worth.
MAX_AHEAD = 256


@dataclass(frozen=True)
class Ahead:
    index: MatchIndex  # the KB it was scored against, its encoders' vectors ready
    query: Query | None  # the message prepared for it
    scored: list[tuple[int, float]]  # by words alone
    cosines: asyncio.Future[list[Cosines]] | None  # the encoders' part, None: not needed


class Lookahead:
    def __init__(self, limit: int = MAX_AHEAD) -> None:
        self._limit = limit
        self._size = 0
        self._entries: OrderedDict[str, deque[Ahead]] = OrderedDict()

    def add(self, text: str, ahead: Ahead) -> None:
        if ahead.cosines is not None:
            # Nobody may await it (see MAX_AHEAD): read its exception so none is logged as lost.
            ahead.cosines.add_done_callback(_consume)
        self._entries.setdefault(text, deque()).append(ahead)
        self._entries.move_to_end(text)
        self._size += 1
        while self._size > self._limit:
            oldest = next(iter(self._entries))
            self._drop(oldest, self._entries[oldest].popleft())

    def take(self, text: str, index: MatchIndex) -> Ahead | None:
        """The oldest entry for ``text`` if it was made against ``index`` (older KBs' entries
        of ``text`` are dropped)."""
        queue = self._entries.get(text)
        while queue:
            ahead = queue.popleft()
            self._size -= 1
            if ahead.index is index:
                if not queue:
                    del self._entries[text]
                return ahead
            if ahead.cosines is not None:
                ahead.cosines.cancel()
        self._entries.pop(text, None)
        return None

    def clear(self) -> None:
        for queue in self._entries.values():
            for ahead in queue:
                if ahead.cosines is not None:
                    ahead.cosines.cancel()
        self._entries.clear()
        self._size = 0

    def _drop(self, text: str, ahead: Ahead) -> None:
        self._size -= 1
        if not self._entries[text]:
            del self._entries[text]
        if ahead.cosines is not None:
            ahead.cosines.cancel()

    def __len__(self) -> int:
        return self._size


def _consume(future: asyncio.Future[list[Cosines]]) -> None:
    if not future.cancelled():
        future.exception()
