"""CORS for the web chat API, so the widget on a business's own site can call it.

Only ``/api/v1/webchat/`` is opened, and only to the origins in
``ROUTER_WEBCHAT_ALLOWED_ORIGINS``: an allowed origin passes the preflight and its responses
(errors and 429s too, so the widget can read them) carry ``Access-Control-Allow-Origin``; any
other origin gets no CORS headers at all, so its browser keeps the response from the page.
The API authenticates with a bearer token, never a cookie, so credentials are not allowed.
"""

from __future__ import annotations

import json

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import error_body

WEBCHAT_PREFIX = "/api/v1/webchat/"
# The widget's help-center search and events (public, no token) from the same sites.
CORS_PREFIXES = (WEBCHAT_PREFIX, "/api/v1/help/")
ANY_ORIGIN = "*"
_ALLOW_METHODS = "GET, POST, OPTIONS"
_ALLOW_HEADERS = "Authorization, Content-Type"
_PREFLIGHT_MAX_AGE = "600"


def parse_origins(value: str) -> frozenset[str]:
    """``"https://shop.example, https://www.shop.example/"`` -> the normalised origins."""
    return frozenset(o.strip().rstrip("/").lower() for o in value.split(",") if o.strip())


class WebchatCORSMiddleware:
    def __init__(self, app: ASGIApp, *, allowed_origins: frozenset[str]) -> None:
        self.app = app
        self.allowed_origins = allowed_origins

    def _allowed(self, origin: str) -> bool:
        return ANY_ORIGIN in self.allowed_origins or origin.lower() in self.allowed_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(CORS_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        allowed = self._allowed(origin)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(send, origin if allowed else None)
            return
        if not allowed:
            # Same-origin pages send Origin on POST too; CORS does not apply to them.
            await self.app(scope, receive, send)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers["Access-Control-Allow-Origin"] = origin
                response_headers["Access-Control-Expose-Headers"] = "Retry-After"
                response_headers.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, with_cors)

    async def _preflight(self, send: Send, origin: str | None) -> None:
        headers = [(b"vary", b"Origin")]
        if origin is None:
            status = 403
            body = json.dumps(
                error_body("origin_not_allowed", "this origin may not use the web chat API")
            ).encode()
            headers.append((b"content-type", b"application/json"))
        else:
            status, body = 204, b""
            headers += [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-methods", _ALLOW_METHODS.encode()),
                (b"access-control-allow-headers", _ALLOW_HEADERS.encode()),
                (b"access-control-max-age", _PREFLIGHT_MAX_AGE.encode()),
            ]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
