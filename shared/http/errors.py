"""Errors a person can act on: every refusal is a 4xx with a reason, never a 500."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import DomainError
from shared.logging import get_logger

log = get_logger(__name__)


class Problem(BaseModel):
    """The body of every error response."""

    error: str = Field(examples=["conflict"])
    detail: str = Field(examples=["an organisation named 'Northshore Care Trust' exists"])
    fields: dict[str, str] = Field(default_factory=dict, examples=[{"name": "too short"}])


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
        error = {401: "unauthorised", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
        problem = Problem(error=error.get(exc.status_code, "refused"), detail=str(exc.detail))
        return JSONResponse(problem.model_dump(), exc.status_code, headers=exc.headers)

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        problem = Problem(error=exc.error, detail=exc.detail, fields=exc.fields)
        return JSONResponse(problem.model_dump(), status_code=exc.status)
