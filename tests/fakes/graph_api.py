"""A fake Meta Graph API on 127.0.0.1: real HTTP (uvicorn), scriptable answers, recorded calls.

async with FakeGraphApi() as graph:
    graph.script(meta_error(131047), status(500))   # the next two answers
    graph.outage = True                               # 503 until switched off
    ... graph.requests ...
    graph.add_media("media-1", b"...", "image/jpeg")  # GET /v21.0/media-1 -> its url -> bytes
    graph.cdn_url("photo.jpg")                        # a Messenger-style attachment URL
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.server import LocalServer


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: dict[str, Any] | None = None  # None on 200: a success body with a fresh id
    headers: dict[str, str] = field(default_factory=dict)


def status(code: int, **headers: str) -> Answer:
    return Answer(code, {"error": {"message": f"HTTP {code}", "code": 1}}, headers)


def meta_error(code: int, *, http_status: int = 400, details: str = "details") -> Answer:
    body = {
        "error": {
            "message": f"(#{code}) error {code}",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "fbtrace_id": "AbCdEf",
        }
    }
    return Answer(http_status, body)


@dataclass(frozen=True)
class Recorded:
    path: str
    authorization: str
    json: dict[str, Any]
    answered: int
    message_id: str | None
    received_at: float  # time.perf_counter() when the request arrived


class FakeGraphApi(LocalServer):
    def __init__(self, *, latency: float = 0.0) -> None:
        super().__init__()
        self.requests: list[Recorded] = []
        self.outage = False
        # Seconds before each answer: Meta takes 100-300 ms, this machine's loopback none.
        self.latency = latency
        self.in_flight = 0
        self.most_in_flight = 0  # the most requests it held at once
        self._script: deque[Answer] = deque()
        self._ids = itertools.count(1)
        # Media: id -> (bytes, mime type, announce the size?); GETs recorded as (path, auth).
        self.media: dict[str, tuple[bytes, str, bool]] = {}
        self.media_requests: list[tuple[str, str]] = []

    def script(self, *answers: Answer) -> None:
        """Answer the next requests with these, in order; then 200 again."""
        self._script.extend(answers)

    def add_media(
        self, media_id: str, content: bytes, mime_type: str, *, sized: bool = True
    ) -> None:
        """Serve a file; ``sized=False`` streams it without a Content-Length."""
        self.media[media_id] = (content, mime_type, sized)

    def cdn_url(self, name: str) -> str:
        """The URL a Messenger/Instagram webhook would carry for media ``name``."""
        return f"{self._root}/cdn/{name}"

    @property
    def _root(self) -> str:
        return self.base_url.removesuffix("/v21.0")

    async def _media_info(self, request: Request) -> Response:
        """WhatsApp: ``GET /{media id}`` -> the file's short-lived URL and size."""
        media_id = request.path_params["media_id"]
        self.media_requests.append((request.url.path, request.headers.get("authorization", "")))
        if self.outage:
            return JSONResponse(status(503).body, status_code=503)
        if media_id not in self.media:
            return JSONResponse(meta_error(100, details="unknown media").body, status_code=404)
        content, mime_type, _ = self.media[media_id]
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "url": f"{self._root}/files/{media_id}",
                "mime_type": mime_type,
                "sha256": "0" * 64,
                "file_size": len(content),
                "id": media_id,
            }
        )

    async def _media_file(self, request: Request) -> Response:
        name = request.path_params["name"]
        self.media_requests.append((request.url.path, request.headers.get("authorization", "")))
        if self.outage:
            return Response(b"down", status_code=503)
        if name not in self.media:
            return Response(b"not found", status_code=404)
        content, mime_type, sized = self.media[name]
        if sized:
            return Response(content, media_type=mime_type)

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(content), 4096):
                yield content[start : start + 4096]

        return StreamingResponse(chunks(), media_type=mime_type)

    @property
    def delivered(self) -> list[Recorded]:
        return [r for r in self.requests if r.answered == 200]

    def _success(self, path: str, payload: dict[str, Any]) -> tuple[dict[str, Any], str]:
        n = next(self._ids)
        if path.endswith("/me/messages"):
            mid = f"m_fake{n:06d}"
            return {"recipient_id": payload.get("recipient", {}).get("id"), "message_id": mid}, mid
        wamid = f"wamid.FAKE{n:06d}"
        to = payload.get("to")
        body = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": wamid}],
        }
        return body, wamid

    async def _handle(self, request: Request) -> Response:
        received_at = time.perf_counter()
        payload = await request.json()
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
        finally:
            self.in_flight -= 1
        if self.outage:
            answer: Answer | None = status(503)
        else:
            answer = self._script.popleft() if self._script else None
        message_id = None
        if answer is None or (answer.status == 200 and answer.body is None):
            body, message_id = self._success(request.url.path, payload)
            answer = Answer(200, body)
        self.requests.append(
            Recorded(
                path=request.url.path,
                authorization=request.headers.get("authorization", ""),
                json=payload,
                answered=answer.status,
                message_id=message_id,
                received_at=received_at,
            )
        )
        return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/{path:path}", self._handle, methods=["POST"]),
                Route("/v21.0/{media_id}", self._media_info, methods=["GET"]),
                Route("/files/{name}", self._media_file, methods=["GET"]),
                Route("/cdn/{name}", self._media_file, methods=["GET"]),
            ]
        )

    async def start(self) -> None:
        await super().start()
        self.base_url += "/v21.0"
