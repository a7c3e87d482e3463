"""Statistics for ops (admin): self-service rate, article funnel, gaps, agent KPIs, export."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from app.analytics.agents import agent_stats
from app.analytics.articles import article_stats
from app.analytics.export import export_csv
from app.analytics.gaps import knowledge_gaps
from app.analytics.kpi_schemas import KpiStats, SlaStats
from app.analytics.kpis import kpi_stats
from app.analytics.periods import Granularity, Period, resolve_period
from app.analytics.schemas import AgentStats, ArticleStats, GapStats, SelfServiceStats
from app.analytics.self_service import self_service_stats
from app.auth import AdminDep, SupervisorDep
from app.config import Settings
from app.db import SessionDep, utcnow
from app.json_body import JSONRoute
from app.security_params import OptionalQueryId
from app.sla.stats import sla_stats
from app.types import Channel

router = APIRouter(prefix="/api/v1/stats", tags=["stats"], route_class=JSONRoute)

FromQuery = Annotated[
    str | None,
    Query(alias="from", description="ISO date or datetime; naive values are local time"),
]
ToQuery = Annotated[
    str | None, Query(description="exclusive end; a bare date includes that whole day")
]


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _resolve(
    request: Request, raw_from: str | None, raw_to: str | None, days: int | None
) -> Period:
    tz = ZoneInfo(_settings(request).timezone)
    return resolve_period(raw_from, raw_to, now=utcnow(), tz=tz, default_days=days)


# async: FastAPI would run a plain function in its thread pool.
async def _last_30_days(request: Request, raw_from: FromQuery = None, to: ToQuery = None) -> Period:
    return _resolve(request, raw_from, to, 30)


async def _all_time(request: Request, raw_from: FromQuery = None, to: ToQuery = None) -> Period:
    return _resolve(request, raw_from, to, None)


# `from`/`to` as a period in the ops timezone; declared after AdminDep, so it is checked first.
PeriodDep = Annotated[Period, Depends(_last_30_days)]
AllTimeDep = Annotated[Period, Depends(_all_time)]


@router.get("/self-service", response_model_by_alias=True)
async def get_self_service(
    request: Request,
    session: SessionDep,
    _admin: AdminDep,
    period: PeriodDep,
    channel: Channel | None = None,
    granularity: Granularity | None = None,
) -> SelfServiceStats:
    settings = _settings(request)
    return await self_service_stats(
        session,
        period=period,
        channel=channel.value if channel else None,
        tz=ZoneInfo(settings.timezone),
        recontact_window_hours=settings.recontact_window_hours,
        granularity=granularity,
    )


@router.get("/articles")
async def get_articles(session: SessionDep, _admin: AdminDep, period: PeriodDep) -> ArticleStats:
    return await article_stats(session, period=period)


@router.get("/gaps")
async def get_gaps(
    session: SessionDep,
    _admin: AdminDep,
    period: PeriodDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> GapStats:
    return await knowledge_gaps(session, period=period, limit=limit)


@router.get("/agents")
async def get_agents(session: SessionDep, _admin: AdminDep, period: PeriodDep) -> AgentStats:
    return await agent_stats(session, period=period, now=utcnow())


@router.get("/export.csv", response_class=StreamingResponse)
async def get_export(request: Request, _admin: AdminDep, period: AllTimeDep) -> StreamingResponse:
    """All conversations by default; each page is read in its own short transaction."""
    return StreamingResponse(
        export_csv(
            request.app.state.sessionmaker,
            period=period,
            fcr_window_hours=_settings(request).fcr_window_hours,
        ),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="conversations.csv"'},
    )


# Issue 33: service levels and the seeds' KPIs; supervisors read statistics too.
@router.get("/sla")
async def get_sla(
    session: SessionDep,
    _reader: SupervisorDep,
    period: PeriodDep,
    channel: Channel | None = None,
    team: OptionalQueryId = None,
) -> SlaStats:
    return await sla_stats(
        session, period=period, channel=channel.value if channel else None, team=team
    )


@router.get("/kpis")
async def get_kpis(
    request: Request,
    session: SessionDep,
    _reader: SupervisorDep,
    period: PeriodDep,
    channel: Channel | None = None,
    team: OptionalQueryId = None,
) -> KpiStats:
    return await kpi_stats(
        session,
        period=period,
        channel=channel.value if channel else None,
        team=team,
        fcr_window_hours=_settings(request).fcr_window_hours,
    )
