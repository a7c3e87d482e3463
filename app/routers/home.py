"""``/``: a small page linking the service's pages, instead of a JSON 404, in Indonesian or
English (its script, /assets/home.js, chooses as every page does: app/static/lang.js)."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import Response

from app.json_body import JSONRoute

router = APIRouter(include_in_schema=False, route_class=JSONRoute)

PAGE = files("app") / "static" / "index.html"
HEADERS = {
    # Only its own scripts (the language) and its inline style.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; base-uri 'none';"
        " form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@router.get("/")
async def home() -> Response:
    return Response(PAGE.read_bytes(), media_type="text/html; charset=utf-8", headers=HEADERS)
