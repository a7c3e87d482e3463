"""One error hierarchy, rendered by one handler in the contract's shape.

Every error response is ``{"error": {"code": "<snake_case>", "message": "..."}}``; services
raise ``AppError`` subclasses and never ``HTTPException``.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("app.errors")


class AppError(Exception):
    status_code: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.details = details
        self.headers = headers


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class ValidationFailed(AppError):
    status_code = 422
    code = "validation_error"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "service_unavailable",
}


# Data exceptions PostgreSQL raises for values that passed validation but that it cannot store:
# a NUL character in a text (22P05, 22021), a string or number beyond its column (22001,
# 22003). They come from the request, so they are 422, not 500. (SQLite stores them as given.)
_INPUT_SQLSTATES = frozenset({"22001", "22003", "22021", "22P05"})


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    fields = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        message = err.get("msg", "invalid")
        if err.get("type") == "json_invalid" and (reason := (err.get("ctx") or {}).get("error")):
            message = f"{message}: {reason}"  # what is wrong, not only where
        fields.append({"field": ".".join(loc), "message": message})
    return fields


# SQLSTATE classes that mean "not now" rather than "bad statement": 08 connection exception,
# 53 insufficient resources (too many connections), 57 operator intervention (admin shutdown,
# cannot connect now).
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57")


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be used right now (503: retry later)."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError):
            return True
        # asyncpg's protocol state after the server cut the connection mid-statement.
        return isinstance(exc.orig, asyncpg.exceptions.InternalClientError) or _sqlstate_down(
            exc.orig
        )
    # SQLAlchemy wraps every driver error raised by a statement, so a bare asyncpg error was
    # raised while connecting: e.g. 55000 "database is not currently accepting connections".
    return isinstance(exc, asyncpg.PostgresError)


def _sqlstate_down(exc: BaseException | None) -> bool:
    sqlstate = getattr(exc, "sqlstate", None) or getattr(
        getattr(exc, "__cause__", None), "sqlstate", None
    )
    return isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATE_CLASSES)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_request: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = _field_errors(exc)
        names = ", ".join(f["field"] for f in fields) or "request"
        return JSONResponse(
            error_body("validation_error", f"invalid input: {names}", fields), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return JSONResponse(
            error_body(code, message), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(DBAPIError)
    @app.exception_handler(asyncpg.PostgresError)
    async def _database_down(_request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in _INPUT_SQLSTATES:
            return JSONResponse(
                error_body("unstorable_value", "the request holds a value that cannot be stored"),
                status_code=422,
            )
        if not database_unavailable(exc):
            return await _unexpected(_request, exc)
        # The platform retries on 503; nothing was acknowledged that was not stored.
        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        logger.warning("database unavailable: %s", type(orig).__name__)
        return JSONResponse(
            error_body("database_unavailable", "the database is not reachable, retry later"),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(OSError)
    async def _os_error(_request: Request, exc: OSError) -> JSONResponse:
        # asyncpg raises plain OSError / ConnectionError when the server is gone.
        logger.warning("I/O error (database unreachable?): %s", type(exc).__name__)
        return JSONResponse(
            error_body("database_unavailable", "the database is not reachable, retry later"),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            error_body("internal_error", "an unexpected error occurred"), status_code=500
        )
