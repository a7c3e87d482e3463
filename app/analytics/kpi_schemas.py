"""``GET /api/v1/stats/kpis`` and ``GET /api/v1/stats/sla`` (shapes fixed by DESIGN.md)."""

from __future__ import annotations

from pydantic import BaseModel


class Fcr(BaseModel):
    overall: float | None
    bot: float | None
    human: float | None
    window_hours: int


class Average(BaseModel):
    avg: float | None
    count: int


class Nps(BaseModel):
    score: float | None
    promoters: int
    passives: int
    detractors: int
    count: int


class KpiStats(BaseModel):
    fcr: Fcr
    first_response_p50_s: float | None
    next_response_p50_s: float | None
    resolution_p50_s: float | None
    aht_p50_s: float | None
    escalation_rate: float | None
    self_service_rate: float | None
    csat: Average
    ces: Average
    nps: Nps


class Compliance(BaseModel):
    handoffs: int
    hit: int
    missed: int
    compliance: float | None


class Named(Compliance):
    id: int | None
    name: str | None


class ByChannel(Compliance):
    channel: str


class SlaStats(BaseModel):
    policies: list[Named]
    by_metric: dict[str, Compliance]
    by_team: list[Named]
    by_agent: list[Named]
    by_channel: list[ByChannel]
