"""SLA policies: supervisors read them, admins change them (``app.sla``)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.auth import AdminDep, SupervisorDep
from app.db import SessionDep, utcnow
from app.json_body import JSONRoute
from app.security_params import PathId
from app.sla.policies import create_policy, delete_policy, list_policies, out, update_policy
from app.sla.schemas import PolicyIn, PolicyList, PolicyOut, PolicyPatch

router = APIRouter(prefix="/api/v1/sla-policies", tags=["sla"], route_class=JSONRoute)


@router.get("")
async def list_all(_reader: SupervisorDep, session: SessionDep) -> PolicyList:
    return PolicyList(items=await list_policies(session))


@router.post("", status_code=201)
async def create(body: PolicyIn, _admin: AdminDep, session: SessionDep) -> PolicyOut:
    return out(await create_policy(session, body, now=utcnow()))


@router.patch("/{policy_id}")
async def change(
    policy_id: PathId, body: PolicyPatch, _admin: AdminDep, session: SessionDep
) -> PolicyOut:
    return out(await update_policy(session, policy_id, body, now=utcnow()))


@router.delete("/{policy_id}", status_code=204)
async def remove(policy_id: PathId, _admin: AdminDep, session: SessionDep) -> Response:
    await delete_policy(session, policy_id)
    return Response(status_code=204)
