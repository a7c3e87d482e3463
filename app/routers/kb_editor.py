"""The KB editor's own routes: the coverage report (in the request, or a job to poll) and
the ``/kb`` page with its assets.

The page, like ``/dashboard``, is public and holds no data: it signs in with the admin token
(kept in the browser) and does every read and write through the KB and statistics API, so
the page and API clients share one validation path and the same errors.
"""

from __future__ import annotations

import asyncio
from importlib.resources import files

from fastapi import APIRouter, Query, Request, Response
from starlette.background import BackgroundTask

from app import json_body
from app.auth import AdminDep
from app.db import SessionDep, utcnow
from app.errors import NotFound, ValidationFailed
from app.json_body import JSONRoute
from app.kb.coverage import (
    MAX_QUESTION_CHARS,
    MAX_QUESTIONS,
    CoverageReport,
    coverage,
    questions_from_json,
    questions_from_text,
)
from app.kb.coverage_jobs import DONE, CoverageJobOut, job_out, new_job, saved_results
from app.kb.models import CoverageJob
from app.kb.service import KnowledgeBase
from app.routers.dashboard import SECURITY_HEADERS
from app.routers.static_files import asset_response, page_response
from app.wakeups import COVERAGE_WORKER, announce
from app.workers import wake

router = APIRouter(tags=["kb"], route_class=JSONRoute)

STATIC = files("app.kb") / "static"
ASSETS = {
    "kb.css": "text/css; charset=utf-8",
    **{
        f"{name}.js": "text/javascript; charset=utf-8"
        for name in (
            *("i18n", "api", "articles", "editor", "try", "gaps", "coverage", "main"),
            "kb-help",
            "i18n",
            "api",
            "articles",
            "editor",
            "try",
            "gaps",
            "drafts",
            "coverage",
            "main",
        )
    },
    "kb-learning.js": "text/javascript; charset=utf-8",  # issue 30
}
CSV_TYPES = ("text/csv", "application/csv")
JOB_ID_CHARS = 32


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
    responses={202: {"model": CoverageJobOut, "description": "run in the background"}},
)
async def kb_coverage(
    request: Request,
    session: SessionDep,
    _: AdminDep,
    groups: int = Query(default=50, ge=1, le=1000),
    background: bool = Query(default=False),
) -> Response:
    """What the bot would do with each question: ``{"questions": [...]}``, or a text/csv
    body with one question per line. Up to ``ROUTER_COVERAGE_SYNC_MAX_QUESTIONS`` the report
    is the response; more (or ``?background=true``): 202 with a job to poll at
    ``Location``."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if content_type in (*CSV_TYPES, "text/plain"):
        questions = questions_from_text(body, is_csv=content_type in CSV_TYPES)
    else:
        try:
            questions = questions_from_json(json_body.loads(body))
        except ValueError:
            raise ValidationFailed("the body must be JSON or CSV", code="invalid_json") from None
    settings = request.app.state.settings
    if background or len(questions) > settings.coverage_sync_max_questions:
        job = new_job(questions, groups=groups, now=utcnow())
        session.add(job)
        await session.flush()
        await announce(session, COVERAGE_WORKER)  # another process's runner, on PostgreSQL
        return Response(
            job_out(job).model_dump_json(),
            status_code=202,
            media_type="application/json",
            headers={"Location": f"/api/v1/kb/coverage/{job.id}"},
            background=BackgroundTask(wake, request.app.state, COVERAGE_WORKER),
        )
    kb: KnowledgeBase = request.app.state.kb
    report = await coverage(kb, session, questions, groups=groups)
    # Serialised in a thread: 20,000 items take the event loop for a while otherwise.
    content = await asyncio.to_thread(report.model_dump_json)
    return Response(content, media_type="application/json")


@router.get("/api/v1/kb/coverage/{job_id}", response_model=CoverageJobOut)
async def kb_coverage_job(job_id: str, session: SessionDep, _: AdminDep) -> Response:
    """A background coverage report: ``status`` (queued, running, done, failed), ``done`` of
    ``total``, ``error`` when it failed, and ``report`` (the synchronous answer's shape) once
    done."""
    job = await session.get(CoverageJob, job_id) if len(job_id) <= JOB_ID_CHARS else None
    if job is None:
        raise NotFound("no such coverage job (finished jobs are kept for a while, then deleted)")
    results = await saved_results(session, job) if job.status == DONE else None
    content = await asyncio.to_thread(lambda: job_out(job, results).model_dump_json())
    return Response(content, media_type="application/json")


@router.get("/kb", include_in_schema=False)
async def kb_page() -> Response:
    return page_response(STATIC, "kb.html", SECURITY_HEADERS)


@router.get("/kb/assets/{name}", include_in_schema=False)
async def kb_asset(name: str) -> Response:
    return asset_response(STATIC, ASSETS, name, SECURITY_HEADERS, page="KB page")
