"""A fake Chatwoot application API: records the agent bot's calls (messages, toggle_status)
and answers like Chatwoot (a message's id; the toggle's payload), or what was scripted."""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.server import LocalServer


@dataclass(frozen=True)
class Call:
    path: str
    token: str
    json: dict[str, Any]
    answered: int


class FakeChatwoot(LocalServer):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self._script: deque[int] = deque()
        self._ids = itertools.count(5001)

    def script(self, *statuses: int) -> None:
        self._script.extend(statuses)

    def messages(self, conversation: str = "") -> list[dict[str, Any]]:
        """Bodies of the messages posted (to one conversation path part, if given)."""
        return [
            c.json
            for c in self.calls
            if c.path.endswith("/messages") and c.answered == 200 and conversation in c.path
        ]

    @property
    def toggles(self) -> list[Call]:
        return [c for c in self.calls if c.path.endswith("/toggle_status") and c.answered == 200]

    async def _handle(self, request: Request) -> JSONResponse:
        payload = await request.json()
        status = self._script.popleft() if self._script else 200
        token = request.headers.get("api_access_token", "")
        self.calls.append(Call(request.url.path, token, payload, status))
        if status != 200:
            return JSONResponse({"error": f"HTTP {status}"}, status_code=status)
        if request.url.path.endswith("/toggle_status"):
            body = {"payload": {"success": True, "current_status": payload.get("status")}}
            return JSONResponse({"meta": {}, **body})
        return JSONResponse({"id": next(self._ids), "content": payload.get("content")})

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=["POST"])])
