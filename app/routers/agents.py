"""Admin: agent accounts. ``DELETE`` deactivates (the row stays for the statistics)."""

from __future__ import annotations

from fastapi import APIRouter

from app.auth import AdminDep
from app.db import SessionDep, utcnow
from app.escalation.agents import create_agent, deactivate_agent, list_agents
from app.escalation.schemas import AgentCreated, AgentCreateIn, AgentList, AgentOut
from app.json_body import JSONRoute
from app.security_params import PathId
from app.teams.service import agents_with_load, configure_routing

router = APIRouter(prefix="/api/v1/agents", tags=["agents"], route_class=JSONRoute)


@router.post("", status_code=201)
async def create(body: AgentCreateIn, _admin: AdminDep, session: SessionDep) -> AgentCreated:
    agent, token = await create_agent(session, name=body.name, now=utcnow())
    await configure_routing(session, agent, teams=body.teams, max_open=body.max_open)
    return AgentCreated(id=agent.id, name=agent.name, token=token)


@router.get("")
async def list_all(_admin: AdminDep, session: SessionDep) -> AgentList:
    return AgentList(items=await agents_with_load(session, await list_agents(session)))


@router.delete("/{agent_id}")
async def deactivate(agent_id: PathId, _admin: AdminDep, session: SessionDep) -> AgentOut:
    agent = await deactivate_agent(session, agent_id=agent_id, now=utcnow())
    return AgentOut.model_validate(agent, from_attributes=True)
