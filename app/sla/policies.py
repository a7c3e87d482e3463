"""Creating, listing, changing and removing SLA policies (admin)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound, ValidationFailed
from app.sla.models import SlaPolicy
from app.sla.schemas import PolicyIn, PolicyOut, PolicyPatch
from app.teams.models import Team


async def _known_teams(session: AsyncSession, teams: Sequence[int]) -> None:
    if not teams:
        return
    found = set(await session.scalars(select(Team.id).where(Team.id.in_(set(teams)))))
    missing = sorted(set(teams) - found)
    if missing:
        raise ValidationFailed(f"no team with id {missing[0]}", code="unknown_team")


def out(policy: SlaPolicy) -> PolicyOut:
    return PolicyOut.model_validate(policy, from_attributes=True)


async def list_policies(session: AsyncSession) -> list[PolicyOut]:
    rows = await session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id))
    return [out(policy) for policy in rows]


async def create_policy(session: AsyncSession, body: PolicyIn, *, now: datetime) -> SlaPolicy:
    await _known_teams(session, body.teams)
    values = body.model_dump()
    values["channels"] = [c.value for c in body.channels]
    policy = SlaPolicy(**values, created_at=now, updated_at=now)
    session.add(policy)
    await session.flush()
    return policy


async def _get(session: AsyncSession, policy_id: int) -> SlaPolicy:
    policy = await session.get(SlaPolicy, policy_id)
    if policy is None:
        raise NotFound(f"SLA policy {policy_id} does not exist", code="sla_policy_not_found")
    return policy


async def update_policy(
    session: AsyncSession, policy_id: int, body: PolicyPatch, *, now: datetime
) -> SlaPolicy:
    """Change the fields sent; handoffs keep the targets they started with."""
    policy = await _get(session, policy_id)
    changes = body.model_dump(exclude_unset=True)
    required = ("name", "first_response_s", "business_hours", "channels", "teams", "position")
    for name in required:
        if name in changes and changes[name] is None:
            raise ValidationFailed(f"{name} cannot be null", code="validation_error")
    if "teams" in changes:
        await _known_teams(session, changes["teams"])
    if "channels" in changes:
        changes["channels"] = [str(c) for c in changes["channels"]]
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.updated_at = now
    await session.flush()
    return policy


async def delete_policy(session: AsyncSession, policy_id: int) -> None:
    """Handoffs it was applied to keep their due times and its name."""
    await session.delete(await _get(session, policy_id))
    await session.flush()
