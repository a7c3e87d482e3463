"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from app.auth import require_metrics_reader
from app.errors import error_body
from app.json_body import JSONRoute
from app.metrics import exposition

router = APIRouter(tags=["health"], route_class=JSONRoute)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    try:
        async with asyncio.timeout(2):
            async with request.app.state.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse(
            error_body("database_unavailable", "the database does not answer"), status_code=503
        )
    return JSONResponse({"status": "ok"})


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(require_metrics_reader)])
async def metrics() -> Response:
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
