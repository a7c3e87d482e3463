"""Admin view of webhook events: list failed (or pending/done) ones, retry a failed one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask

from app.auth import AdminDep
from app.db import SessionDep, utcnow
from app.inbox.schemas import InboxItemOut, InboxList, InboxState
from app.inbox.service import list_inbox, retry_item
from app.json_body import JSONRoute
from app.security_params import OptionalQueryId, PathId
from app.wakeups import INBOX_WORKER
from app.workers import wake

router = APIRouter(prefix="/api/v1/inbox", tags=["inbox"], route_class=JSONRoute)


@router.get("")
async def list_events(
    _admin: AdminDep,
    session: SessionDep,
    status: InboxState = InboxState.failed,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before_id: OptionalQueryId = None,
) -> InboxList:
    items = await list_inbox(session, state=status, limit=limit, before_id=before_id)
    return InboxList(items=[InboxItemOut.model_validate(item) for item in items])


@router.post("/{item_id}/retry")
async def retry_event(
    item_id: PathId, request: Request, _admin: AdminDep, session: SessionDep
) -> JSONResponse:
    item = await retry_item(session, item_id=item_id, now=utcnow())
    return JSONResponse(
        InboxItemOut.model_validate(item).model_dump(mode="json"),
        background=BackgroundTask(wake, request.app.state, INBOX_WORKER),
    )
