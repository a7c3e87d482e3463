"""JSON request bodies that hold only text we can store and send.

JSON can spell a lone UTF-16 surrogate (``"\\ud800"``). Python's ``json`` decodes it into a
``str`` that no UTF-8 encoder accepts, so the request would fail later, at the database or
when the text is sent to Meta's API, as a 500 (or an outbox row that can never be sent).
Such a body is refused up front as malformed JSON (422), as pydantic's parser already does
for webhooks. A valid pair (an emoji escaped as ``"\\ud83d\\ude00"``) decodes to one
character and is accepted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

_SURROGATE = re.compile("[\ud800-\udfff]")


def loads(body: bytes) -> Any:
    """``json.loads``, except that a lone surrogate or nesting too deep for the decoder
    raises ``json.JSONDecodeError`` too (``RecursionError`` would be a 500)."""
    try:
        value = json.loads(body)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", _text(body), 0) from None
    # json decodes bytes with "surrogatepass", so raw bytes can spell one as well as an
    # escape can; an ASCII body without escapes (most of them) cannot, and skips the walk.
    if (b"\\u" in body or not body.isascii()) and _holds_surrogate(value):
        raise json.JSONDecodeError("a lone UTF-16 surrogate is not text", _text(body), 0)
    return value


def _text(body: bytes) -> str:
    return body.decode("utf-8", "replace")


def _holds_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)  # keys are text too
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class _JSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads(await self.body())
        return self._json


class JSONRoute(APIRoute):
    """An ``APIRoute`` whose JSON body goes through ``loads``: FastAPI turns its
    ``JSONDecodeError`` into the usual 422. Every router of the app uses it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            return await handler(_JSONRequest(request.scope, request.receive))

        return route_handler
