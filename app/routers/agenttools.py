"""Agent tools: canned replies, private notes on a handoff, labels on a conversation."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.agenttools import canned
from app.agenttools.labels import set_labels
from app.agenttools.notes import add_note
from app.agenttools.schemas import (
    CannedIn,
    CannedList,
    CannedOut,
    CannedPatch,
    LabelsIn,
    LabelsOut,
    NoteIn,
    NoteOut,
)
from app.auth import PrincipalDep
from app.db import SessionDep, utcnow
from app.json_body import JSONRoute
from app.security_params import PathId

router = APIRouter(tags=["agent tools"], route_class=JSONRoute)
CANNED = "/api/v1/canned-responses"


def _out(reply: object) -> CannedOut:
    return CannedOut.model_validate(reply, from_attributes=True)


@router.get(CANNED)
async def list_canned(principal: PrincipalDep, session: SessionDep) -> CannedList:
    return CannedList(items=[_out(r) for r in await canned.list_canned(session, principal)])


@router.post(CANNED, status_code=201)
async def create_canned(body: CannedIn, principal: PrincipalDep, session: SessionDep) -> CannedOut:
    return _out(await canned.create_canned(session, body, principal=principal, now=utcnow()))


@router.patch(CANNED + "/{canned_id}")
async def update_canned(
    canned_id: PathId, body: CannedPatch, principal: PrincipalDep, session: SessionDep
) -> CannedOut:
    reply = await canned.update_canned(session, canned_id, body, principal=principal, now=utcnow())
    return _out(reply)


@router.delete(CANNED + "/{canned_id}", status_code=204)
async def delete_canned(
    canned_id: PathId, principal: PrincipalDep, session: SessionDep
) -> Response:
    await canned.delete_canned(session, canned_id, principal=principal)
    return Response(status_code=204)


@router.post("/api/v1/handoffs/{handoff_id}/notes", status_code=201)
async def note(
    handoff_id: PathId, body: NoteIn, principal: PrincipalDep, session: SessionDep
) -> NoteOut:
    message = await add_note(
        session, handoff_id=handoff_id, principal=principal, text=body.text, now=utcnow()
    )
    return NoteOut(
        id=message.id,
        handoff_id=handoff_id,
        sender=message.sender,
        text=message.text or "",
        author=principal.agent_name,
        created_at=message.created_at,
    )


@router.put("/api/v1/conversations/{conversation_id}/labels")
async def put_labels(
    conversation_id: PathId, body: LabelsIn, _principal: PrincipalDep, session: SessionDep
) -> LabelsOut:
    labels = await set_labels(session, conversation_id=conversation_id, labels=body.labels)
    return LabelsOut(conversation_id=conversation_id, labels=labels)
