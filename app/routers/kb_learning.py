"""The KB that learns (admin): learned phrasings to review, and confusable articles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.audit.service import actor_of
from app.auth import AdminDep
from app.calibration.schemas import ConfusableList
from app.calibration.service import confusable
from app.db import SessionDep, utcnow
from app.errors import Conflict, NotFound, ValidationFailed
from app.json_body import JSONRoute
from app.learning import service
from app.learning.models import LearnedPhrasing
from app.learning.schemas import (
    AcceptMany,
    AcceptManyOut,
    LearnedList,
    LearnedOut,
    LearnedStatus,
    Refused,
)
from app.security_params import PathId

router = APIRouter(prefix="/api/v1/kb", tags=["kb"], route_class=JSONRoute)


def _out(phrasing: LearnedPhrasing) -> LearnedOut:
    return LearnedOut.model_validate(service.as_item(phrasing))


@router.get("/learned", response_model=LearnedList)
async def list_learned(
    session: SessionDep,
    _: AdminDep,
    status: LearnedStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> LearnedList:
    after = None
    if cursor is not None:
        if not cursor.isdigit() or not 1 <= int(cursor) < 2**63:
            raise ValidationFailed("cursor is not one this API returned", code="invalid_cursor")
        after = int(cursor)
    rows = await service.list_learned(session, status=status, limit=limit + 1, after=after)
    more = len(rows) > limit
    rows = rows[:limit]
    return LearnedList(
        items=[_out(r) for r in rows], cursor=str(rows[-1].id) if more and rows else None
    )


@router.post("/learned/accept", response_model=AcceptManyOut)
async def accept_many(body: AcceptMany, session: SessionDep, principal: AdminDep) -> AcceptManyOut:
    now, actor = utcnow(), actor_of(principal)
    items, missing, refused = [], [], []
    for phrasing_id in dict.fromkeys(body.ids):
        try:
            items.append(
                await service.accept(session, phrasing_id=phrasing_id, actor=actor, now=now)
            )
        except NotFound:
            missing.append(phrasing_id)
        except Conflict as error:  # refused before it changed anything: the others go on
            refused.append(Refused(id=phrasing_id, code=error.code, message=error.message))
    return AcceptManyOut(items=[_out(r) for r in items], not_found=missing, refused=refused)


@router.post("/learned/{phrasing_id}/accept", response_model=LearnedOut)
async def accept(phrasing_id: PathId, session: SessionDep, principal: AdminDep) -> LearnedOut:
    row = await service.accept(
        session, phrasing_id=phrasing_id, actor=actor_of(principal), now=utcnow()
    )
    return _out(row)


@router.post("/learned/{phrasing_id}/reject", response_model=LearnedOut)
async def reject(phrasing_id: PathId, session: SessionDep, principal: AdminDep) -> LearnedOut:
    row = await service.reject(
        session, phrasing_id=phrasing_id, actor=actor_of(principal), now=utcnow()
    )
    return _out(row)


@router.get("/confusable", response_model=ConfusableList)
async def confusable_pairs(
    session: SessionDep,
    _: AdminDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ConfusableList:
    return await confusable(session, limit=limit)
