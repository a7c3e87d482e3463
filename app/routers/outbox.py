"""Admin view of platform deliveries: list failed (or pending/sent) rows, retry one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask

from app.auth import AdminDep
from app.db import SessionDep, utcnow
from app.json_body import JSONRoute
from app.outbox.schemas import OutboxItemOut, OutboxList
from app.outbox.service import list_outbox, retry_item
from app.security_params import OptionalQueryId, PathId
from app.types import OutboxStatus
from app.wakeups import OUTBOX_WORKER
from app.workers import wake

router = APIRouter(prefix="/api/v1/outbox", tags=["outbox"], route_class=JSONRoute)


@router.get("")
async def list_deliveries(
    _admin: AdminDep,
    session: SessionDep,
    status: OutboxStatus = OutboxStatus.failed,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before_id: OptionalQueryId = None,
) -> OutboxList:
    items = await list_outbox(session, status=status, limit=limit, before_id=before_id)
    return OutboxList(items=[OutboxItemOut.model_validate(item) for item in items])


@router.post("/{item_id}/retry")
async def retry_delivery(
    item_id: PathId, request: Request, _admin: AdminDep, session: SessionDep
) -> JSONResponse:
    item = await retry_item(session, item_id=item_id, now=utcnow())
    return JSONResponse(
        OutboxItemOut.model_validate(item).model_dump(mode="json"),
        background=BackgroundTask(wake, request.app.state, OUTBOX_WORKER),
    )
