"""ASGI middleware: request log line, metrics, and the request body size limit."""

from __future__ import annotations

import json
import logging
import time

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import error_body
from app.metrics import HTTP_LATENCY, HTTP_REQUESTS

access_log = logging.getLogger("app.access")


class _BodyTooLarge(HTTPException):
    # An HTTPException so that FastAPI's body parsing re-raises it (it turns anything else into
    # 400 "error parsing the body") and the app's handler renders it in the contract's shape.
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body exceeds {limit} bytes")


class RequestMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware) so streaming and background tasks stay cheap."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        response_started = False

        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._reject_too_large(send)
            self._record(scope, 413, started)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _BodyTooLarge(self.max_body_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not response_started:
                await self._reject_too_large(send)
            status = 413
        finally:
            self._record(scope, status, started)

    async def _reject_too_large(self, send: Send) -> None:
        body = json.dumps(
            error_body("payload_too_large", f"request body exceeds {self.max_body_bytes} bytes")
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _record(self, scope: Scope, status: int, started: float) -> None:
        duration = time.perf_counter() - started
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope["method"]
        HTTP_REQUESTS.labels(method, template, str(status)).inc()
        HTTP_LATENCY.labels(method, template).observe(duration)
        access_log.info(
            "request",
            extra={
                "method": method,
                "path": scope["path"],
                "route": template,
                "status": status,
                "duration_ms": round(duration * 1000, 2),
            },
        )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
