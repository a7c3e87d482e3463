"""Statistics for ops (supervisors and admins): self-service rate, article funnel, gaps,
agent KPIs, export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from app.agenttools.schemas import LabelQuery
from app.analytics.agents import agent_stats
from app.analytics.articles import article_stats
from app.analytics.export import export_csv
from app.analytics.gaps import knowledge_gaps
from app.analytics.kpi_schemas import KpiStats, SlaStats
from app.analytics.kpis import kpi_stats
from app.analytics.periods import Granularity, Period, resolve_period
from app.analytics.schemas import AgentStats, ArticleStats, GapStats, SelfServiceStats
from app.analytics.self_service import self_service_stats
from app.auth import SupervisorDep
from app.config import Settings
from app.db import SessionDep, utcnow
from app.helpcenter.export import with_help_section
from app.helpcenter.stats import help_stats, overall_self_service_rate
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


# `from`/`to` as a period in the ops timezone; declared after SupervisorDep: checked first.
PeriodDep = Annotated[Period, Depends(_last_30_days)]
AllTimeDep = Annotated[Period, Depends(_all_time)]


@router.get("/self-service", response_model_by_alias=True)
async def get_self_service(
    request: Request,
    session: SessionDep,
    _reader: SupervisorDep,
    period: PeriodDep,
    channel: Channel | None = None,
    granularity: Granularity | None = None,
    label: LabelQuery = None,
) -> SelfServiceStats:
    settings = _settings(request)
    stats = await self_service_stats(
        session,
        period=period,
        channel=channel.value if channel else None,
        tz=ZoneInfo(settings.timezone),
        recontact_window_hours=settings.recontact_window_hours,
        granularity=granularity,
        label=label,
    )
    if channel is None and label is None:  # help-center visits have neither
        stats.overall_self_service_rate = await overall_self_service_rate(session, stats, period)
    return stats


@router.get("/articles")
async def get_articles(
    session: SessionDep, _reader: SupervisorDep, period: PeriodDep
) -> ArticleStats:
    return await article_stats(session, period=period)


@router.get("/gaps")
async def get_gaps(
    session: SessionDep,
    _reader: SupervisorDep,
    period: PeriodDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> GapStats:
    return await knowledge_gaps(session, period=period, limit=limit)


@router.get("/agents")
async def get_agents(
    session: SessionDep, _reader: SupervisorDep, period: PeriodDep, label: LabelQuery = None
) -> AgentStats:
    return await agent_stats(session, period=period, now=utcnow(), label=label)


@router.get("/export.csv", response_class=StreamingResponse)
async def get_export(
    request: Request,
    _reader: SupervisorDep,
    period: AllTimeDep,
    sections: Annotated[Literal["help"] | None, Query()] = None,
) -> StreamingResponse:
    """All conversations by default; each page is read in its own short transaction.
    ``sections=help`` appends the help center's numbers (app.helpcenter.export)."""
    chunks = export_csv(
        request.app.state.sessionmaker,
        period=period,
        fcr_window_hours=_settings(request).fcr_window_hours,
    )
    if sections == "help":
        chunks = await help_section(request, period, chunks)
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="conversations.csv"'},
    )


async def help_section(
    request: Request, period: Period, chunks: AsyncIterator[str]
) -> AsyncIterator[str]:
    settings = _settings(request)
    async with request.app.state.sessionmaker() as session:
        stats = await help_stats(session, period=period)
        counts = await self_service_stats(
            session,
            period=period,
            channel=None,
            tz=ZoneInfo(settings.timezone),
            recontact_window_hours=settings.recontact_window_hours,
        )
        overall = await overall_self_service_rate(session, counts, period)
        await session.rollback()
    return with_help_section(chunks, stats, overall)


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
