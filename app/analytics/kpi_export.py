"""The KPI columns of the CSV export (added after the existing ones), for a page of
conversations: service level, handling times, CES, NPS and whether it was a first contact
resolution (the definitions of ``app.analytics.kpis``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.counting import DEFLECTED
from app.conversations.models import Outcome
from app.escalation.models import Handoff
from app.sla.models import HandoffSla
from app.surveys.models import SurveyResponse

KPI_COLUMNS = (
    "first_response_s",
    "resolution_s",
    "aht_s",
    "sla_policy",
    "sla_status",
    "ces_score",
    "nps_score",
    "first_contact_resolution",
)
BLANK = ("",) * len(KPI_COLUMNS)


def _seconds(end: datetime | None, start: datetime | None) -> str:
    return "" if end is None or start is None else str(round((end - start).total_seconds()))


async def kpi_columns(
    session: AsyncSession, ids: Sequence[int], handoffs: Mapping[int, Sequence[Any]], hours: int
) -> dict[int, tuple[str, ...]]:
    """``handoffs``: the export's (created, claimed, first reply, resolved, ...) per id."""
    sla = {
        cid: (name or "", status or "")
        for cid, name, status in await session.execute(
            select(Handoff.conversation_id, HandoffSla.policy_name, HandoffSla.status)
            .join(HandoffSla, HandoffSla.handoff_id == Handoff.id)
            .where(Handoff.conversation_id.in_(ids), HandoffSla.status.is_not(None))
            .order_by(Handoff.id)
        )
    }
    surveys: dict[tuple[int, str], int] = {
        (cid, kind): score
        for cid, kind, score in await session.execute(
            select(SurveyResponse.conversation_id, SurveyResponse.kind, SurveyResponse.score)
            .where(SurveyResponse.conversation_id.in_(ids), SurveyResponse.score.is_not(None))
            .order_by(SurveyResponse.id)
        )
    }
    # FCR from the outcome's row and the handoff's resolution already read: no search.
    window = timedelta(hours=hours)
    fcr: dict[int, str] = {}
    for cid, outcome, recorded_at, came_back in await session.execute(
        select(
            Outcome.conversation_id,
            Outcome.outcome,
            Outcome.recorded_at,
            Outcome.next_conversation_at,
        ).where(Outcome.conversation_id.in_(ids))
    ):
        ended = recorded_at if outcome in DEFLECTED else (handoffs.get(cid) or (None,) * 4)[3]
        if ended is not None:
            fcr[cid] = "no" if came_back is not None and came_back <= ended + window else "yes"
    out: dict[int, tuple[str, ...]] = {}
    for cid in ids:
        created, claimed, replied, done = (handoffs.get(cid) or (None,) * 4)[:4]
        policy, status = sla.get(cid, ("", ""))
        ces, nps = surveys.get((cid, "ces")), surveys.get((cid, "nps"))
        out[cid] = (
            _seconds(replied, created),
            _seconds(done, created),
            _seconds(done, claimed),
            policy,
            status,
            "" if ces is None else str(ces),
            "" if nps is None else str(nps),
            fcr.get(cid, ""),
        )
    return out
