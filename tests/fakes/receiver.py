"""A subscriber's endpoint for outgoing events: records every POST (raw body and headers)
and answers what the test scripted (200 otherwise).

async with EventReceiver() as receiver:
    receiver.script(500, 302)      # the next two answers
    ... receiver.received ...
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.server import LocalServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def event(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


class EventReceiver(LocalServer):
    def __init__(self, *, tls: tuple[str, str] | None = None) -> None:
        super().__init__(tls=tls)
        self.received: list[Received] = []
        self._script: deque[int] = deque()

    @property
    def url(self) -> str:
        return f"{self.base_url}/hooks/router"

    def script(self, *statuses: int) -> None:
        self._script.extend(statuses)

    @property
    def delivered(self) -> list[Received]:
        return [r for r in self.received if r.answered == 200]

    async def _handle(self, request: Request) -> Response:
        status = self._script.popleft() if self._script else 200
        self.received.append(
            Received(request.url.path, dict(request.headers), await request.body(), status)
        )
        headers = {"Location": f"{self.base_url}/elsewhere"} if 300 <= status < 400 else None
        return Response(b"", status_code=status, headers=headers)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=["POST"])])
