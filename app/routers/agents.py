"""Admin: agent accounts. ``DELETE`` deactivates (the row stays for the statistics)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request

from app.accounts.service import create_account, deactivate_account, setup_link
from app.audit.service import actor_of
from app.auth import AdminDep
from app.db import SessionDep, utcnow
from app.errors import ValidationFailed
from app.escalation.agents import list_agents
from app.escalation.schemas import (
    AgentCreated,
    AgentCreateIn,
    AgentList,
    AgentOut,
    AgentRoutingIn,
)
from app.json_body import JSONRoute
from app.routers.accounts import base_url
from app.security_params import PathId
from app.teams.service import agents_with_load, change_routing, configure_routing

router = APIRouter(prefix="/api/v1/agents", tags=["agents"], route_class=JSONRoute)


@router.post("", status_code=201)
async def create(
    body: AgentCreateIn, request: Request, admin: AdminDep, session: SessionDep
) -> AgentCreated:
    now, actor = utcnow(), actor_of(admin)
    agent, token = await create_account(
        session, name=body.name, email=body.email, role=body.role, actor=actor, now=now
    )
    await configure_routing(session, agent, teams=body.teams, max_open=body.max_open)
    url = None
    if agent.email is not None:
        url = await setup_link(
            session,
            agent_id=agent.id,
            purpose="setup",
            actor=actor,
            base_url=base_url(request),
            now=now,
            lifetime=timedelta(hours=request.app.state.settings.password_link_hours),
        )
    return AgentCreated(id=agent.id, name=agent.name, token=token, password_setup_url=url)


@router.get("")
async def list_all(_admin: AdminDep, session: SessionDep) -> AgentList:
    return AgentList(items=await agents_with_load(session, await list_agents(session)))


@router.patch("/{agent_id}")
async def change(
    agent_id: PathId, body: AgentRoutingIn, admin: AdminDep, session: SessionDep
) -> AgentOut:
    """An agent's teams and how many handoffs they may hold at once."""
    if body.teams is None and body.max_open is None:
        raise ValidationFailed("give teams or max_open to change", code="nothing_to_change")
    agent = await change_routing(
        session,
        agent_id=agent_id,
        teams=body.teams,
        max_open=body.max_open,
        actor=actor_of(admin),
    )
    [out] = await agents_with_load(session, [agent])
    return out


@router.delete("/{agent_id}")
async def deactivate(agent_id: PathId, admin: AdminDep, session: SessionDep) -> AgentOut:
    agent = await deactivate_account(
        session, agent_id=agent_id, actor=actor_of(admin), now=utcnow()
    )
    return AgentOut.model_validate(agent, from_attributes=True)
