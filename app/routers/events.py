"""Admin: outgoing event subscriptions (``app.events``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.auth import AdminDep
from app.db import SessionDep, utcnow
from app.events.schemas import SubscriptionIn, SubscriptionList, SubscriptionOut
from app.events.service import (
    create_subscription,
    delete_subscription,
    list_subscriptions,
    out,
    resume_subscription,
)
from app.json_body import JSONRoute
from app.security_params import PathId

router = APIRouter(prefix="/api/v1/event-subscriptions", tags=["events"], route_class=JSONRoute)


@router.post("", status_code=201)
async def create(
    body: SubscriptionIn, request: Request, _admin: AdminDep, session: SessionDep
) -> SubscriptionOut:
    subscription = await create_subscription(
        session, body, settings=request.app.state.settings, now=utcnow()
    )
    return out(subscription)


@router.get("")
async def list_all(_admin: AdminDep, session: SessionDep) -> SubscriptionList:
    return SubscriptionList(items=await list_subscriptions(session))


@router.delete("/{subscription_id}", status_code=204)
async def remove(subscription_id: PathId, _admin: AdminDep, session: SessionDep) -> Response:
    await delete_subscription(session, subscription_id)
    return Response(status_code=204)


@router.post("/{subscription_id}/resume")
async def resume(subscription_id: PathId, _admin: AdminDep, session: SessionDep) -> SubscriptionOut:
    subscription = await resume_subscription(session, subscription_id, now=utcnow())
    return out(subscription)
