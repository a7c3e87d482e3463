"""Request and response bodies of the sign-in API (shapes fixed by DESIGN.md)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.accounts.passwords import MAX_LENGTH
from app.auth import Role


class LoginIn(BaseModel):
    email: str = Field(max_length=1000)
    password: str = Field(max_length=MAX_LENGTH * 4)


class AccountAgent(BaseModel):
    id: int | None
    name: str | None
    role: Role


class LoginOut(BaseModel):
    agent: AccountAgent
    csrf_token: str


class WhoAmI(BaseModel):
    """``GET /api/v1/auth/me``: the signed-in account, and the CSRF token a reloaded page
    needs again (null for a bearer token, which needs none)."""

    kind: str
    agent: AccountAgent
    csrf_token: str | None


class PasswordSetupIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    password: str = Field(max_length=MAX_LENGTH * 4)


class ResetLink(BaseModel):
    url: str


class RoleIn(BaseModel):
    role: Role
