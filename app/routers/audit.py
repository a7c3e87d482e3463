"""The audit log for admins: who signed in, changed the KB, claimed, resolved, erased."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.audit.query import AuditFilter, list_entries, parse_time
from app.audit.schemas import AuditPage
from app.auth import AdminDep
from app.db import SessionDep
from app.json_body import JSONRoute

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], route_class=JSONRoute)


@router.get("")
async def audit_log(
    _admin: AdminDep,
    session: SessionDep,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
    actor: Annotated[str | None, Query(max_length=320)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AuditPage:
    where = AuditFilter(
        start=parse_time(start, name="from"),
        end=parse_time(end, name="to", end=True),
        actor=actor,
        action=action,
    )
    return await list_entries(session, where=where, cursor=cursor, limit=limit)
