"""The accounts' refusals, each with its contract code."""

from __future__ import annotations

from app.errors import AppError, Forbidden, RateLimited, Unauthorized


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"


class TooManyAttempts(RateLimited):
    code = "too_many_attempts"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


class InvalidPasswordToken(AppError):
    status_code = 400
    code = "invalid_token"
