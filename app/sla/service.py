"""Each handoff's service-level clock, moved by what happens to the handoff.

- ``apply_sla_policy`` (handoff created, after its team is set): the first matching policy
  by position gives the first-response and resolution due times.
- ``customer_wrote`` (a message in a handed-off conversation): after the agent's first
  reply, the first customer message not yet answered starts the next-response clock.
  Further messages before the agent answers do not restart it.
- ``agent_replied``: settles the first response, or the running next response, and records
  the customer's wait (the next-response KPI, with or without a policy).
- ``handoff_ended`` (resolved): settles what is still open and ends the clock.

A metric is ``hit`` when it was met by its due time, ``missed`` when it was not; a handoff's
``status`` is ``missed`` from its first breach on, ``hit`` once it ended without one, and
``active`` before. The breach job (``app.sla.job``) notices due times that pass while
nobody acts; a late action records the same breach (once: ``record``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_util import insert_ignore
from app.escalation.models import Handoff
from app.sla.clock import clock_of
from app.sla.events import sla_event
from app.sla.models import HandoffSla, ReplyWait, SlaEvent, SlaPolicy
from app.types import Channel, HandoffStatus

METRICS = ("first_response", "next_response", "resolution")
LIVE = (HandoffStatus.waiting.value, HandoffStatus.assigned.value)
HIT, MISSED, ACTIVE = "hit", "missed", "active"
WARNING, BREACH = "warning", "breach"


def matches(policy: SlaPolicy, *, channel: str, team_id: int | None) -> bool:
    """Empty lists match everything; a team list never matches a handoff without a team."""
    if policy.channels and channel not in policy.channels:
        return False
    return not policy.teams or team_id in policy.teams


async def apply_sla_policy(session: AsyncSession, handoff: Handoff, *, now: datetime) -> None:
    """Start the new handoff's clock with the first matching policy (by position). Called
    once the handoff's team is known. Chatwoot's agents answer in Chatwoot, where the
    router never sees their replies: no policy applies there."""
    row = HandoffSla(handoff_id=handoff.id, business_hours=False, checked_at=now, created_at=now)
    if handoff.channel != Channel.chatwoot:
        policies = await session.scalars(
            select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)
        )
        policy = next(
            (p for p in policies if matches(p, channel=handoff.channel, team_id=handoff.team_id)),
            None,
        )
        if policy is not None:
            _start(session, row, policy, handoff.created_at)
    schedule(row, handoff)
    session.add(row)


def _start(session: AsyncSession, row: HandoffSla, policy: SlaPolicy, start: datetime) -> None:
    row.policy_id, row.policy_name = policy.id, policy.name
    row.business_hours = policy.business_hours
    row.first_response_s = policy.first_response_s
    row.next_response_s = policy.next_response_s
    row.resolution_s = policy.resolution_s
    row.status = ACTIVE
    for metric, seconds in (
        ("first_response", policy.first_response_s),
        ("resolution", policy.resolution_s),
    ):
        if seconds is not None:
            _set_times(session, row, metric, start, seconds)


def _set_times(
    session: AsyncSession, row: HandoffSla, metric: str, start: datetime, seconds: int
) -> None:
    clock = clock_of(session)
    business = row.business_hours
    setattr(row, f"{metric}_due_at", clock.due(start, seconds, business_hours=business))
    setattr(row, f"{metric}_warn_at", clock.warning(start, seconds, business_hours=business))


def open_metrics(row: HandoffSla, handoff: Handoff) -> list[str]:
    """The metrics whose clock still runs."""
    if handoff.status not in LIVE or row.status is None:
        return []
    found = []
    if (
        row.first_response_due_at is not None
        and row.first_response_status is None
        and handoff.first_agent_reply_at is None
    ):
        found.append("first_response")
    if row.next_response_due_at is not None and row.awaiting_since is not None:
        found.append("next_response")
    if row.resolution_due_at is not None and row.resolution_status is None:
        found.append("resolution")
    return found


def schedule(row: HandoffSla, handoff: Handoff) -> None:
    """The next warning or due moment the job has not looked at yet, or None."""
    moments = [
        moment
        for metric in open_metrics(row, handoff)
        for moment in (getattr(row, f"{metric}_warn_at"), getattr(row, f"{metric}_due_at"))
        if moment is not None and moment > row.checked_at
    ]
    row.check_at = min(moments) if moments else None


def settle(row: HandoffSla, metric: str, outcome: str) -> None:
    """One metric met (``hit``) or not (``missed``); a miss stays a miss."""
    if getattr(row, f"{metric}_status") != MISSED:
        setattr(row, f"{metric}_status", outcome)
    if outcome == MISSED:
        row.status = MISSED


async def record(
    session: AsyncSession,
    row: HandoffSla,
    *,
    kind: str,
    metric: str,
    due_at: datetime,
    now: datetime,
) -> bool:
    """Store a warning or breach and queue its event; False when it was already stored."""
    new_id = await insert_ignore(
        session,
        SlaEvent,
        {"handoff_id": row.handoff_id, "kind": kind, "metric": metric, "due_at": due_at, "at": now},
        conflict_columns=["handoff_id", "kind", "metric", "due_at"],
    )
    if new_id is None:
        return False
    await sla_event(session, row, kind=kind, metric=metric, due_at=due_at, now=now)
    return True


async def _late(session: AsyncSession, row: HandoffSla, metric: str, now: datetime) -> None:
    """Settle ``metric`` by an action at ``now``: a miss records the breach too."""
    due_at: datetime | None = getattr(row, f"{metric}_due_at")
    if due_at is None:
        return
    if now > due_at:
        settle(row, metric, MISSED)
        await record(session, row, kind=BREACH, metric=metric, due_at=due_at, now=now)
    else:
        settle(row, metric, HIT)


async def customer_wrote(session: AsyncSession, handoff: Handoff, *, now: datetime) -> None:
    if handoff.first_agent_reply_at is None:
        return  # the first response's clock covers it
    row = await session.get(HandoffSla, handoff.id)
    if row is None or row.awaiting_since is not None:
        return
    row.awaiting_since = now
    if row.status is not None and row.next_response_s is not None:
        _set_times(session, row, "next_response", now, row.next_response_s)
        schedule(row, handoff)


async def agent_replied(session: AsyncSession, handoff: Handoff, *, now: datetime) -> None:
    """Call before the handoff records its first reply (``first_agent_reply_at``)."""
    row = await session.get(HandoffSla, handoff.id)
    if row is None:
        return
    if handoff.first_agent_reply_at is None and row.status is not None:
        await _late(session, row, "first_response", now)
    if row.awaiting_since is not None:
        seconds = (now - row.awaiting_since).total_seconds()
        session.add(
            ReplyWait(
                handoff_id=handoff.id,
                customer_at=row.awaiting_since,
                replied_at=now,
                seconds=max(0.0, seconds),
            )
        )
        if row.status is not None and row.next_response_due_at is not None:
            await _late(session, row, "next_response", now)
        row.awaiting_since = None
        row.next_response_due_at = row.next_response_warn_at = None
    schedule(row, handoff)


async def handoff_ended(session: AsyncSession, handoff: Handoff, *, now: datetime) -> None:
    """The handoff was resolved at ``now``: what is still open is settled, the clock stops.
    A first response never given is missed only once its due time passed."""
    row = await session.get(HandoffSla, handoff.id)
    if row is None:
        return
    if row.status is not None:
        first_due = row.first_response_due_at
        if (
            handoff.first_agent_reply_at is None
            and first_due is not None
            and now > first_due
            and row.first_response_status is None
        ):
            await _late(session, row, "first_response", now)
        if row.awaiting_since is not None and row.next_response_due_at is not None:
            if now > row.next_response_due_at:
                await _late(session, row, "next_response", now)
        if row.resolution_status is None:
            await _late(session, row, "resolution", now)
        if row.status != MISSED:
            row.status = HIT
    row.awaiting_since = None
    row.check_at = None
