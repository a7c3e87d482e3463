"""Canned replies: personal ones (seen by their owner) and shared ones (seen by everyone,
written by supervisors and admins). An agent types ``/shortcut`` to insert one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.agenttools.errors import CannedNotFound, NotYourCanned, ShortcutTaken
from app.agenttools.models import CannedResponse
from app.agenttools.schemas import CannedIn, CannedPatch
from app.auth import Principal
from app.errors import Forbidden, ValidationFailed


def _check_sharing(principal: Principal, shared: bool) -> None:
    if shared and not principal.is_supervisor:
        raise Forbidden("only supervisors and admins write shared replies")
    if not shared and principal.agent_id is None:
        raise ValidationFailed("the admin token has no agent of its own: make the reply shared")


async def _flush(session: AsyncSession, shortcut: str) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as error:
        raise ShortcutTaken(f"/{shortcut} is taken; choose another shortcut") from error


async def list_canned(session: AsyncSession, principal: Principal) -> Sequence[CannedResponse]:
    """The caller's own replies and the shared ones, by shortcut (own first on a tie)."""
    visible: ColumnElement[bool] = CannedResponse.shared.is_(True)
    if principal.agent_id is not None:
        visible = or_(visible, CannedResponse.owner_agent_id == principal.agent_id)
    return (
        await session.scalars(
            select(CannedResponse)
            .where(visible)
            .order_by(CannedResponse.shortcut, CannedResponse.shared, CannedResponse.id)
        )
    ).all()


async def create_canned(
    session: AsyncSession, body: CannedIn, *, principal: Principal, now: datetime
) -> CannedResponse:
    _check_sharing(principal, body.shared)
    reply = CannedResponse(
        shortcut=body.shortcut,
        text=body.text.strip() or body.text,
        shared=body.shared,
        owner_agent_id=principal.agent_id,
        created_at=now,
        updated_at=now,
    )
    session.add(reply)
    await _flush(session, body.shortcut)
    return reply


async def _editable(session: AsyncSession, canned_id: int, principal: Principal) -> CannedResponse:
    reply = await session.get(CannedResponse, canned_id)
    mine = (
        reply is not None
        and principal.agent_id is not None
        and reply.owner_agent_id == principal.agent_id
    )
    if reply is None or not (reply.shared or mine or principal.is_admin):
        # Someone else's personal reply does not exist for the caller.
        raise CannedNotFound(f"canned response {canned_id} does not exist")
    if not (mine or principal.is_supervisor):
        raise NotYourCanned("only its owner or a supervisor may change a shared reply")
    return reply


async def update_canned(
    session: AsyncSession, canned_id: int, body: CannedPatch, *, principal: Principal, now: datetime
) -> CannedResponse:
    reply = await _editable(session, canned_id, principal)
    if body.shared is not None and body.shared != reply.shared:
        _check_sharing(principal, body.shared)
        reply.shared = body.shared
    if body.shortcut is not None:
        reply.shortcut = body.shortcut
    if body.text is not None:
        reply.text = body.text.strip() or body.text
    reply.updated_at = now
    await _flush(session, reply.shortcut)
    return reply


async def delete_canned(session: AsyncSession, canned_id: int, *, principal: Principal) -> None:
    reply = await _editable(session, canned_id, principal)
    await session.delete(reply)
    await session.flush()
