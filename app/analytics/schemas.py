"""Response shapes of the statistics API (paths and the contract's keys are fixed)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

FORMULA = (
    "self_service_rate = (deflected_confirmed + deflected_assumed) / "
    "(deflected + escalated + unresolved) * 100, each conversation counted in the period it "
    "was created in; open conversations and no_request are excluded"
)


class OutcomeCounts(BaseModel):
    total: int
    deflected: int
    deflected_confirmed: int
    deflected_assumed: int
    escalated: int
    unresolved: int
    open: int
    no_request: int
    self_service_rate: float | None
    escalation_rate: float | None


class SeriesPoint(OutcomeCounts):
    period_start: datetime = Field(description="local start of the day or week")


class SelfServiceStats(OutcomeCounts):
    from_at: datetime = Field(serialization_alias="from")
    to_at: datetime = Field(serialization_alias="to")
    channel: str | None
    timezone: str
    durable_deflected: int
    durable_self_service_rate: float | None
    recontact_window_hours: int
    formula: str = FORMULA
    by_channel: dict[str, OutcomeCounts]
    escalation_reasons: dict[str, int]
    granularity: str | None = None
    series: list[SeriesPoint] | None = None
    # (deflected + help-center visits without a contact) / (deflected + escalated + unresolved
    # + those visits) x 100; null with a channel filter (help-center visits have no channel).
    overall_self_service_rate: float | None = None


class ArticleFunnel(BaseModel):
    slug: str
    question: str | None
    served: int
    helpful: int
    not_helpful: int
    escalated_after: int
    deflected: int
    ended: int
    self_service_rate: float | None


class ArticleStats(BaseModel):
    items: list[ArticleFunnel]


class ConfirmedArticle(BaseModel):
    slug: str
    count: int


class Gap(BaseModel):
    example: str
    count: int
    examples: list[str]
    # The articles customers of this group confirmed as their answer ("answered" after
    # picking a suggestion or asking again), most often first: the KB has the answer but
    # not their wording, so these wordings belong in that article's variants. Empty: the
    # KB lacks the answer itself.
    confirmed_articles: list[ConfirmedArticle]


class GapStats(BaseModel):
    items: list[Gap]
    texts_read: int


class AgentKpis(BaseModel):
    handoffs: int
    resolved: int
    claim_p50_s: float | None
    claim_p90_s: float | None
    first_reply_p50_s: float | None
    first_reply_p90_s: float | None
    resolution_p50_s: float | None
    csat_avg: float | None
    csat_count: int


class OverallKpis(AgentKpis):
    waiting_now: int
    oldest_waiting_s: float | None


class AgentRow(AgentKpis):
    id: int
    name: str
    assigned_now: int


class AgentStats(BaseModel):
    overall: OverallKpis
    agents: list[AgentRow]
