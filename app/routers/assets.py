"""``/assets/{name}``: the scripts more than one page loads (the language choice, lang.js),
and the home page's own, served once instead of a copy per page."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import Response

from app.json_body import JSONRoute
from app.routers.static_files import asset_response

router = APIRouter(include_in_schema=False, route_class=JSONRoute)

STATIC = files("app") / "static"
JS = "text/javascript; charset=utf-8"
ASSETS = {"lang.js": JS, "home.js": JS}
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}


@router.get("/assets/{name}")
async def shared_asset(name: str) -> Response:
    return asset_response(STATIC, ASSETS, name, HEADERS, page="shared")
