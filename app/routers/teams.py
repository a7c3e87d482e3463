"""Teams (admin), transfers (the holder or a supervisor) and presence (each agent)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.audit.service import actor_of, record
from app.auth import AdminDep, PrincipalDep
from app.db import SessionDep, utcnow
from app.escalation.queue import handoff_detail
from app.escalation.schemas import HandoffDetail
from app.json_body import JSONRoute
from app.security_params import PathId
from app.teams import service
from app.teams.presence import set_status
from app.teams.schemas import (
    Directory,
    StatusIn,
    StatusOut,
    TeamIn,
    TeamList,
    TeamOut,
    TeamPatch,
    TransferIn,
)
from app.teams.transfer import transfer_handoff

router = APIRouter(tags=["teams"], route_class=JSONRoute)


def _changes(body: TeamIn | TeamPatch) -> dict[str, object]:
    return body.model_dump(exclude_unset=True)


@router.get("/api/v1/teams")
async def list_teams(_admin: AdminDep, session: SessionDep) -> TeamList:
    return TeamList(items=await service.list_teams(session))


@router.get("/api/v1/teams/directory")
async def get_directory(_principal: PrincipalDep, session: SessionDep) -> Directory:
    """Every agent may read it: team names and colleagues' presence, for the queue's filter
    and the transfer control (the teams' settings stay with admins)."""
    return await service.directory(session)


@router.post("/api/v1/teams", status_code=201)
async def create_team(body: TeamIn, admin: AdminDep, session: SessionDep) -> TeamOut:
    team = await service.create_team(session, body, now=utcnow())
    await record(
        session,
        actor=actor_of(admin),
        action="team.create",
        target=f"team:{team.id}",
        details=_changes(body),
    )
    [view] = await service.team_views(session, [team])
    return view


@router.patch("/api/v1/teams/{team_id}")
async def update_team(
    team_id: PathId, body: TeamPatch, admin: AdminDep, session: SessionDep
) -> TeamOut:
    team = await service.update_team(session, team_id, body)
    await record(
        session,
        actor=actor_of(admin),
        action="team.update",
        target=f"team:{team.id}",
        details=_changes(body),
    )
    [view] = await service.team_views(session, [team])
    return view


@router.delete("/api/v1/teams/{team_id}", status_code=204)
async def delete_team(team_id: PathId, admin: AdminDep, session: SessionDep) -> Response:
    team = await service.delete_team(session, team_id)
    await record(
        session,
        actor=actor_of(admin),
        action="team.delete",
        target=f"team:{team_id}",
        details={"name": team.name},
    )
    return Response(status_code=204)


@router.post("/api/v1/handoffs/{handoff_id}/transfer")
async def transfer(
    request: Request,
    handoff_id: PathId,
    body: TransferIn,
    principal: PrincipalDep,
    session: SessionDep,
) -> HandoffDetail:
    now = utcnow()
    await transfer_handoff(
        session,
        handoff_id=handoff_id,
        principal=principal,
        team_id=body.team,
        agent_id=body.agent,
        now=now,
        lease_seconds=request.app.state.settings.handoff_lease_seconds,
    )
    return await handoff_detail(session, handoff_id=handoff_id, now=now)


@router.put("/api/v1/agents/me/status")
async def put_status(
    request: Request, body: StatusIn, principal: PrincipalDep, session: SessionDep
) -> StatusOut:
    settings = request.app.state.settings
    given = await set_status(
        session,
        principal=principal,
        status=body.status,
        now=utcnow(),
        lease_seconds=settings.handoff_lease_seconds,
    )
    return StatusOut(
        status=body.status,
        idle_minutes=settings.agent_idle_minutes,
        heartbeat_seconds=settings.agent_heartbeat_seconds,
        assigned=given,
    )
