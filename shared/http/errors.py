"""Errors a person can act on: every refusal is a 4xx with a reason, never a 500."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pymongo.errors import DuplicateKeyError, OperationFailure, PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import DomainError
from shared.logging import get_logger
from shared.mongo.outbox import as_duplicate_key
from shared.retry import is_transient

log = get_logger(__name__)


class Problem(BaseModel):
    """The body of every error response."""

    error: str = Field(examples=["conflict"])
    detail: str = Field(examples=["an organisation named 'Northshore Care Trust' exists"])
    fields: dict[str, str] = Field(default_factory=dict, examples=[{"name": "too short"}])


# How long a caller is told to wait when the database is not answering: about the time it
# takes to come back from a restart, and pymongo finds it again within its heartbeat.
RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached (down, restarting, too slow to
    select or answer), as opposed to a refusal or a bug: the request may succeed later."""
    return isinstance(exc, PyMongoError) and (is_transient(exc) or exc.timeout)


def unavailable_problem() -> JSONResponse:
    """503 with `Retry-After`, in the problem format: what every request gets while the
    database is down (never a 500, never a hang)."""
    problem = Problem(
        error="unavailable",
        detail="the database is not answering just now; try again in a few seconds",
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return JSONResponse(problem.model_dump(), status_code=503, headers=headers)


# The refusals every authenticated route can answer with, for its OpenAPI `responses`.
AUTH_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "no valid network token"},
    403: {"model": Problem, "description": "the caller's role or scopes do not allow this"},
    404: {"model": Problem, "description": "nothing of that id that the caller can see"},
}


def install_error_handlers(app: FastAPI) -> None:
    """Map validation and domain errors to `Problem` bodies."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = {
            ".".join(str(p) for p in err["loc"] if p != "body") or "body": str(err["msg"])
            for err in exc.errors()
        }
        problem = Problem(
            error="invalid_request",
            detail="the request does not have the expected shape; see `fields`",
            fields=fields,
        )
        return JSONResponse(problem.model_dump(), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        error = {
            401: "unauthorised",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
            429: "too_many_requests",
            503: "unavailable",
        }
        problem = Problem(error=error.get(exc.status_code, "refused"), detail=str(exc.detail))
        return JSONResponse(problem.model_dump(), exc.status_code, headers=exc.headers)

    @app.exception_handler(OperationFailure)
    async def _refused_write(request: Request, exc: OperationFailure) -> JSONResponse:
        # A store that expects a unique index to refuse a write says why itself (a
        # ConflictError naming the field); this is the net under every other write, so no
        # unique-key violation — insert or update, MongoDB or FerretDB — is ever a 500.
        if database_unavailable(exc):  # ExecutionTimeout is an OperationFailure
            return _unavailable(request, exc)
        duplicate = as_duplicate_key(exc)
        if not isinstance(duplicate, DuplicateKeyError):
            raise exc
        field = duplicate_field(duplicate)
        log.warning("unique key refused a write", path=request.url.path, field=field)
        problem = Problem(
            error="conflict",
            detail=f"a record with this {field} exists already",
            fields={field: "already taken"},
        )
        return JSONResponse(problem.model_dump(), status_code=409)

    @app.exception_handler(PyMongoError)
    async def _database(request: Request, exc: PyMongoError) -> JSONResponse:
        if not database_unavailable(exc):
            raise exc
        return _unavailable(request, exc)

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        problem = Problem(error=exc.error, detail=exc.detail, fields=exc.fields)
        return JSONResponse(problem.model_dump(), status_code=exc.status)


def _unavailable(request: Request, exc: PyMongoError) -> JSONResponse:
    log.warning("database unavailable", path=request.url.path, error=type(exc).__name__)
    return unavailable_problem()


def duplicate_field(exc: DuplicateKeyError) -> str:
    """The field a unique index refused: MongoDB names its key pattern; FerretDB names the
    index (`<collection>_<hash>_<field>_1`) on an update, and nothing on an insert."""
    details = exc.details or {}
    pattern = details.get("keyPattern")
    if isinstance(pattern, dict) and pattern:
        return ", ".join(str(key) for key in pattern)
    message = str(details.get("errmsg", ""))
    match = re.search(r"index '.+?_[0-9a-f]{8}_([A-Za-z0-9_.]+?)_-?1'", message)
    if match:
        return match.group(1)
    match = re.search(r"index: ([A-Za-z0-9_.]+?)_-?1\b", message)  # MongoDB's own words
    return match.group(1) if match else "key"
