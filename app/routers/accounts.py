"""Accounts: sign in and out (``/api/v1/auth/*``), password links, roles; the password-setup
page and the pages' shared sign-in script."""

from __future__ import annotations

from datetime import timedelta
from importlib.resources import files

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.accounts import links, sessions
from app.accounts.passwords import hash_password_async
from app.accounts.schemas import (
    AccountAgent,
    LoginIn,
    LoginOut,
    PasswordSetupIn,
    ResetLink,
    RoleIn,
    WhoAmI,
)
from app.accounts.service import change_role, setup_link
from app.accounts.signin import sign_in, sign_out
from app.audit.service import actor_of
from app.auth import AdminDep, PrincipalDep, principal_of
from app.db import SessionDep, utcnow
from app.escalation.schemas import AgentOut
from app.json_body import JSONRoute
from app.routers.dashboard import SECURITY_HEADERS
from app.routers.static_files import asset_response, page_response
from app.security_params import PathId

router = APIRouter(tags=["accounts"], route_class=JSONRoute)
page_router = APIRouter(tags=["accounts"], include_in_schema=False, route_class=JSONRoute)

STATIC = files("app.accounts") / "static"
ASSETS = {
    "account.js": "text/javascript; charset=utf-8",
    "password-setup.js": "text/javascript; charset=utf-8",
    "account.css": "text/css; charset=utf-8",
}


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def base_url(request: Request) -> str:
    """Where links point: ``ROUTER_PUBLIC_URL`` when the service has one, else this request's."""
    public = getattr(request.app.state.settings, "public_url", None)
    return str(public or request.base_url)


@router.post("/api/v1/auth/login")
async def login(body: LoginIn, request: Request) -> JSONResponse:
    settings = request.app.state.settings
    lifetime = timedelta(hours=settings.account_session_hours)
    signed_in = await sign_in(
        request.app.state,
        request.app.state.login_throttle,
        email=body.email,
        password=body.password,
        ip=_client_ip(request),
        lifetime=lifetime,
        now=utcnow(),
    )
    agent = signed_in.agent
    out = LoginOut(
        agent=AccountAgent(id=agent.id, name=agent.name, role=principal_of(agent).role),
        csrf_token=sessions.csrf_token(signed_in.session_id),
    )
    response = JSONResponse(out.model_dump(), headers={"Cache-Control": "no-store"})
    sessions.set_cookie(response, request, signed_in.session_id, lifetime)
    return response


@router.post("/api/v1/auth/logout", status_code=204)
async def logout(request: Request, session: SessionDep) -> Response:
    """Ends the cookie's session on the server. With a bearer token the cookie is not what
    authenticates (as on every route), so there is nothing to end."""
    response = Response(status_code=204)
    cookie = sessions.session_cookie(request)
    if cookie is not None and "authorization" not in request.headers:
        sessions.check_csrf(request, cookie)
        await sign_out(session, cookie)
        sessions.clear_cookie(response, request)
    return response


@router.get("/api/v1/auth/me")
async def who_am_i(request: Request, principal: PrincipalDep) -> WhoAmI:
    cookie = sessions.session_cookie(request) if principal.session_id is not None else None
    return WhoAmI(
        kind=principal.kind,
        agent=AccountAgent(id=principal.agent_id, name=principal.agent_name, role=principal.role),
        csrf_token=None if cookie is None else sessions.csrf_token(cookie),
    )


@router.post("/api/v1/auth/password-setup", status_code=204)
async def password_setup(body: PasswordSetupIn, session: SessionDep) -> Response:
    password_hash = await hash_password_async(body.password)  # 422 when too short
    await links.use_link(session, token=body.token, password_hash=password_hash, now=utcnow())
    return Response(status_code=204)


@router.post("/api/v1/agents/{agent_id}/password-reset")
async def password_reset(
    agent_id: PathId, request: Request, admin: AdminDep, session: SessionDep
) -> ResetLink:
    url = await setup_link(
        session,
        agent_id=agent_id,
        purpose="reset",
        actor=actor_of(admin),
        base_url=base_url(request),
        now=utcnow(),
        lifetime=timedelta(hours=request.app.state.settings.password_link_hours),
    )
    return ResetLink(url=url)


@router.put("/api/v1/agents/{agent_id}/role")
async def set_role(
    agent_id: PathId, body: RoleIn, admin: AdminDep, session: SessionDep
) -> AgentOut:
    agent = await change_role(session, agent_id=agent_id, role=body.role, actor=actor_of(admin))
    return AgentOut.model_validate(agent, from_attributes=True)


@page_router.get(links.SETUP_PATH)
async def password_setup_page() -> Response:
    headers = {**SECURITY_HEADERS, "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
    return page_response(STATIC, "password-setup.html", headers)


@page_router.get("/accounts/assets/{name}")
async def account_asset(name: str) -> Response:
    return asset_response(STATIC, ASSETS, name, SECURITY_HEADERS, page="accounts")
