"""The KB's help-center parts (admin): categories as ``/help`` shows them
(``GET/PUT /api/v1/kb/categories``) and the editor's preview of an article body."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.audit.service import actor_of, record
from app.auth import AdminDep
from app.db import SessionDep, utcnow
from app.helpcenter.render import render_markdown
from app.json_body import JSONRoute
from app.kb.categories import CategoriesIn, CategoryList, list_categories, replace_categories
from app.kb.schemas import Body

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


class PreviewIn(BaseModel):
    body: Body


class PreviewOut(BaseModel):
    html: str  # sanitised exactly as the help center renders it


@router.post("/preview")
async def preview_body(data: PreviewIn, _: AdminDep) -> PreviewOut:
    return PreviewOut(html=render_markdown(data.body))
