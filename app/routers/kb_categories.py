"""The KB's categories as the help center shows them (admin): ``GET/PUT /api/v1/kb/categories``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.audit.service import actor_of, record
from app.auth import AdminDep
from app.db import SessionDep, utcnow
from app.json_body import JSONRoute
from app.kb.categories import CategoriesIn, CategoryList, list_categories, replace_categories

router = APIRouter(prefix="/api/v1/kb", tags=["kb"], route_class=JSONRoute)


@router.get("/categories")
async def get_categories(session: SessionDep, _: AdminDep) -> CategoryList:
    return CategoryList(items=await list_categories(session))


@router.put("/categories")
async def put_categories(
    body: CategoriesIn, request: Request, session: SessionDep, principal: AdminDep
) -> CategoryList:
    await replace_categories(session, body.items, now=utcnow())
    await record(
        session,
        actor=actor_of(principal),
        action="kb.categories",
        details={"slugs": [c.slug for c in body.items]},
    )
    await request.app.state.kb.refresh(session)
    return CategoryList(items=await list_categories(session))
