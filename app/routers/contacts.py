"""Admin: a customer's personal data, erased on request (see conversations/erasure.py).

``POST /erase`` with the customer's id in the body, not ``DELETE /contacts/{id}``: the id is
a phone number, and paths end up in access logs and proxies' logs.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.audit.service import actor_of
from app.auth import AdminDep
from app.conversations.erasure import erase_contact
from app.db import SessionDep
from app.json_body import JSONRoute
from app.types import Channel

router = APIRouter(prefix="/api/v1/contacts", tags=["contacts"], route_class=JSONRoute)


class EraseIn(BaseModel):
    channel: Channel
    external_id: str = Field(min_length=1, max_length=128)


class EraseOut(BaseModel):
    contact_id: int
    messages: int  # content removed (the customer's, the bot's and agents' replies)
    csat_comments: int
    inbox_events: int
    outbox_items: int
    webchat_sessions: int
    events: int  # event deliveries naming them: delivered deleted, undelivered scrubbed


@router.post("/erase")
async def erase(body: EraseIn, admin: AdminDep, session: SessionDep) -> EraseOut:
    erased = await erase_contact(
        session, channel=body.channel, external_id=body.external_id, actor=actor_of(admin)
    )
    return EraseOut(**asdict(erased))
