"""Knowledge-base admin API and search (contract in DESIGN.md)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app import json_body
from app.audit.service import actor_of, record
from app.auth import AdminDep, Principal, PrincipalDep
from app.db import SessionDep, utcnow
from app.errors import AppError, ValidationFailed
from app.json_body import JSONRoute
from app.kb import articles as service
from app.kb.csv_io import parse_csv, to_csv
from app.kb.schemas import (
    ArticleIn,
    ArticleList,
    ArticleOut,
    ArticlePatch,
    ImportRequest,
    ImportResult,
    MatchOut,
    SearchOut,
)
from app.kb.service import KnowledgeBase

router = APIRouter(prefix="/api/v1/kb", tags=["kb"], route_class=JSONRoute)


def _kb(request: Request) -> KnowledgeBase:
    kb: KnowledgeBase = request.app.state.kb
    return kb


async def _import_payload(request: Request) -> ImportRequest:
    """JSON body, a text/csv body, or a multipart upload (field ``file``, optional ``mode``)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    mode: Any = request.query_params.get("mode", "upsert")
    if content_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ValidationFailed("multipart import needs a file field", code="invalid_csv")
        mode = form.get("mode") or mode
        articles = parse_csv(await upload.read())
    elif content_type in ("text/csv", "application/csv"):
        articles = parse_csv(await request.body())
    else:
        try:
            body = json_body.loads(await request.body())
        except ValueError:
            raise ValidationFailed("the body must be JSON or CSV", code="invalid_json") from None
        if not isinstance(body, dict):
            raise ValidationFailed("the body must be a JSON object", code="invalid_json")
        return _validated(body)
    return _validated({"mode": mode, "articles": articles})


def _validated(body: dict[str, Any]) -> ImportRequest:
    try:
        return ImportRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValidationFailed(f"{where}: {first['msg']}") from None


async def _audit(
    session: AsyncSession,
    admin: Principal,
    action: str,
    slug: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Who changed the KB (names of fields, never their text: answers may quote customers)."""
    target = None if slug is None else f"article:{slug}"
    await record(session, actor=actor_of(admin), action=action, target=target, details=details)


@router.post("/import", response_model=ImportResult)
async def import_articles(request: Request, session: SessionDep, admin: AdminDep) -> ImportResult:
    payload = await _import_payload(request)
    result = await service.import_articles(
        session,
        payload.articles,
        mode=payload.mode,
        max_articles=request.app.state.settings.kb_max_articles,
        now=utcnow(),
    )
    counts = result.model_dump(include={"created", "updated", "deleted", "unchanged"})
    await _audit(session, admin, "kb.imported", None, {"mode": payload.mode, **counts})
    await _kb(request).refresh(session)
    return result


@router.get("/export", response_model=None)
async def export_articles(
    session: SessionDep,
    _: AdminDep,
    format: Literal["json", "csv"] = Query(default="json"),
) -> dict[str, Any] | Response:
    items = [service.export_article(a) for a in await service.list_articles(session)]
    if format == "csv":
        return Response(
            to_csv(items).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="kb.csv"'},
        )
    return {"articles": items}


@router.get("/articles", response_model=ArticleList)
async def list_articles(session: SessionDep, _: AdminDep) -> ArticleList:
    items = await service.list_articles(session)
    return ArticleList(items=[ArticleOut.model_validate(a) for a in items])


@router.post("/articles", response_model=ArticleOut, status_code=201)
async def create_article(
    data: ArticleIn, request: Request, session: SessionDep, admin: AdminDep
) -> ArticleOut:
    article = await service.create_article(
        session, data, max_articles=request.app.state.settings.kb_max_articles, now=utcnow()
    )
    await _audit(session, admin, "kb.article_created", article.slug)
    await _kb(request).refresh(session)
    return ArticleOut.model_validate(article)


def _expected_revision(request: Request) -> int | None:
    """``If-Match: "<revision>"`` (an ETag this API sent): save only over that revision."""
    header = request.headers.get("if-match", "").strip()
    if not header or header == "*":
        return None
    tag = header.removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise ValidationFailed(
            'If-Match must be an article ETag such as "3"', code="invalid_precondition"
        )
    return int(tag)


def _tagged(article: Any, response: Response) -> ArticleOut:
    out = ArticleOut.model_validate(article)
    response.headers["ETag"] = f'"{out.revision}"'
    return out


@router.get("/articles/{slug}", response_model=ArticleOut)
async def get_article(
    slug: str, response: Response, session: SessionDep, _: AdminDep
) -> ArticleOut:
    return _tagged(await service.get_article(session, slug), response)


@router.patch("/articles/{slug}", response_model=ArticleOut)
async def update_article(
    slug: str,
    patch: ArticlePatch,
    request: Request,
    response: Response,
    session: SessionDep,
    admin: AdminDep,
) -> ArticleOut:
    article = await service.update_article(
        session, slug, patch, now=utcnow(), expected_revision=_expected_revision(request)
    )
    fields = sorted(patch.model_dump(exclude_unset=True))
    await _audit(session, admin, "kb.article_updated", slug, {"fields": fields})
    await _kb(request).refresh(session)
    return _tagged(article, response)


@router.delete("/articles/{slug}", status_code=204)
async def delete_article(
    slug: str, request: Request, session: SessionDep, admin: AdminDep
) -> Response:
    await service.delete_article(
        session, slug, now=utcnow(), expected_revision=_expected_revision(request)
    )
    await _audit(session, admin, "kb.article_deleted", slug)
    await _kb(request).refresh(session)
    return Response(status_code=204)


@router.get("/search", response_model=SearchOut)
async def search(
    request: Request,
    session: SessionDep,
    _: PrincipalDep,
    q: str = Query(min_length=1, max_length=4096),
    limit: int = Query(default=3, ge=1, le=10),
) -> SearchOut:
    if not q.strip():
        raise AppError("q must not be blank", code="validation_error", status_code=422)
    result = await _kb(request).search(session, q, limit=limit)
    return SearchOut(
        decision=result.decision,
        matches=[MatchOut(slug=m.slug, question=m.question, score=m.score) for m in result.matches],
        model=result.model,
    )
