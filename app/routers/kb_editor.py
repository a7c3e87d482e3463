"""The KB editor's own routes: the coverage report and the ``/kb`` page with its assets.

The page, like ``/dashboard``, is public and holds no data: it signs in with the admin token
(kept in the browser) and does every read and write through the KB and statistics API, so
the page and API clients share one validation path and the same errors.
"""

from __future__ import annotations

import asyncio
from importlib.resources import files

from fastapi import APIRouter, Query, Request, Response

from app import json_body
from app.auth import AdminDep
from app.db import SessionDep
from app.errors import ValidationFailed
from app.json_body import JSONRoute
from app.kb.coverage import (
    MAX_QUESTION_CHARS,
    MAX_QUESTIONS,
    CoverageReport,
    coverage,
    questions_from_json,
    questions_from_text,
)
from app.kb.service import KnowledgeBase
from app.routers.dashboard import SECURITY_HEADERS
from app.routers.static_files import asset_response, page_response

router = APIRouter(tags=["kb"], route_class=JSONRoute)

STATIC = files("app.kb") / "static"
ASSETS = {
    "kb.css": "text/css; charset=utf-8",
    **{
        f"{name}.js": "text/javascript; charset=utf-8"
        for name in ("i18n", "api", "articles", "editor", "try", "gaps", "coverage", "main")
    },
}
CSV_TYPES = ("text/csv", "application/csv")


COVERAGE_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["questions"],
                "properties": {
                    "questions": {
                        "type": "array",
                        "items": {"type": "string", "maxLength": MAX_QUESTION_CHARS},
                        "maxItems": MAX_QUESTIONS,
                    }
                },
            }
        },
        "text/csv": {"schema": {"type": "string", "description": "one question per line"}},
        "text/plain": {"schema": {"type": "string", "description": "one question per line"}},
    },
}


@router.post(
    "/api/v1/kb/coverage",
    response_model=CoverageReport,
    openapi_extra={"requestBody": COVERAGE_BODY},
)
async def kb_coverage(
    request: Request,
    session: SessionDep,
    _: AdminDep,
    groups: int = Query(default=50, ge=1, le=1000),
) -> Response:
    """What the bot would do with each question: ``{"questions": [...]}``, or a text/csv
    body with one question per line."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if content_type in (*CSV_TYPES, "text/plain"):
        questions = questions_from_text(body, is_csv=content_type in CSV_TYPES)
    else:
        try:
            questions = questions_from_json(json_body.loads(body))
        except ValueError:
            raise ValidationFailed("the body must be JSON or CSV", code="invalid_json") from None
    kb: KnowledgeBase = request.app.state.kb
    report = await coverage(kb, session, questions, groups=groups)
    # Serialised in a thread: 20,000 items take the event loop for a while otherwise.
    content = await asyncio.to_thread(report.model_dump_json)
    return Response(content, media_type="application/json")


@router.get("/kb", include_in_schema=False)
async def kb_page() -> Response:
    return page_response(STATIC, "kb.html", SECURITY_HEADERS)


@router.get("/kb/assets/{name}", include_in_schema=False)
async def kb_asset(name: str) -> Response:
    return asset_response(STATIC, ASSETS, name, SECURITY_HEADERS, page="KB page")
