"""The ops dashboard: a static page that reads the statistics API with the admin token.

The page itself is public (it holds no data); the token is typed into it once and kept in the
browser's localStorage. A strict CSP keeps it to its own script and style files, which matters
because it displays customer-written text (knowledge gaps).
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import Response

from app.json_body import JSONRoute
from app.routers.static_files import asset_response, page_response

router = APIRouter(tags=["dashboard"], include_in_schema=False, route_class=JSONRoute)

STATIC = files("app.analytics") / "static"
JS = "text/javascript; charset=utf-8"
ASSETS = {
    "dashboard.js": JS,
    "i18n.js": JS,
    "format.js": JS,
    "api.js": JS,
    "charts.js": JS,
    "drilldown.js": JS,
    "panels.js": JS,
    "dashboard.css": "text/css; charset=utf-8",
    "kb-status.js": "text/javascript; charset=utf-8",
    "help-panel.js": "text/javascript; charset=utf-8",
    "audit.js": JS,
    "service-levels.js": JS,
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@router.get("/dashboard")
async def dashboard() -> Response:
    return page_response(STATIC, "dashboard.html", SECURITY_HEADERS)


@router.get("/dashboard/assets/{name}")
async def dashboard_asset(name: str) -> Response:
    return asset_response(STATIC, ASSETS, name, SECURITY_HEADERS, page="dashboard")
