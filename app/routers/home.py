"""``/``: a small page linking the service's pages, instead of a JSON 404."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import Response

from app.json_body import JSONRoute

router = APIRouter(include_in_schema=False, route_class=JSONRoute)

PAGE = files("app") / "static" / "index.html"
HEADERS = {
    # No script at all; only its own inline style.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none';"
        " frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@router.get("/")
async def home() -> Response:
    return Response(PAGE.read_bytes(), media_type="text/html; charset=utf-8", headers=HEADERS)
