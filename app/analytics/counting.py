"""Turning grouped outcome counts into the reported numbers (pure, no I/O).

The definitions live here once: what counts as deflected, what the rate divides by.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.analytics.schemas import OutcomeCounts
from app.types import OutcomeKind

DEFLECTED = (OutcomeKind.deflected_confirmed.value, OutcomeKind.deflected_assumed.value)
RATED = (*DEFLECTED, OutcomeKind.escalated.value, OutcomeKind.unresolved.value)


def rate(part: int, whole: int) -> float | None:
    """A percentage rounded to 2 decimals; None (not 0) when there is nothing to divide."""
    return round(part * 100.0 / whole, 2) if whole else None


def outcome_counts(by_outcome: Mapping[str, int], conversations: int) -> OutcomeCounts:
    """``by_outcome`` maps outcome -> conversations; ``conversations`` counts all created,
    so the ones without an outcome are the open ones."""
    confirmed = by_outcome.get(OutcomeKind.deflected_confirmed.value, 0)
    assumed = by_outcome.get(OutcomeKind.deflected_assumed.value, 0)
    escalated = by_outcome.get(OutcomeKind.escalated.value, 0)
    unresolved = by_outcome.get(OutcomeKind.unresolved.value, 0)
    no_request = by_outcome.get(OutcomeKind.no_request.value, 0)
    deflected = confirmed + assumed
    total = deflected + escalated + unresolved
    return OutcomeCounts(
        total=total,
        deflected=deflected,
        deflected_confirmed=confirmed,
        deflected_assumed=assumed,
        escalated=escalated,
        unresolved=unresolved,
        open=max(conversations - sum(by_outcome.values()), 0),
        no_request=no_request,
        self_service_rate=rate(deflected, total),
        escalation_rate=rate(escalated, total),
    )
