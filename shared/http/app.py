"""Build a service's FastAPI application around its runtime."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shared.auth.http import TokenVerifier
from shared.auth.keys import RemoteJwks
from shared.http.errors import install_error_handlers
from shared.logging import correlation_id_var, get_logger, request_id_var
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings

log = get_logger(__name__)


class Health(BaseModel):
    """Liveness or readiness, with each dependency's state."""

    status: str
    checks: dict[str, bool] = {}


def _loggable_path(request: Request) -> str:
    """The path for the request log. A route whose path carries a credential (a `{token}`
    parameter, e.g. a calendar feed's secret URL) is logged by its template, never with it."""
    template = getattr(request.scope.get("route"), "path", None)
    if isinstance(template, str) and "{token}" in template:
        return template
    return request.url.path


def remote_verifier(settings: ServiceSettings) -> TokenVerifier:
    """Verifies network tokens with the registry's published keys (cached, not per request)."""
    return TokenVerifier(RemoteJwks(settings.jwks_url), settings.token_issuer)


def create_service_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    verifier: TokenVerifier,
    on_started: Callable[[], Awaitable[None]] | None = None,
) -> FastAPI:
    """A FastAPI app with health endpoints, request ids, error shapes and a managed runtime."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        if on_started is not None:
            await on_started()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.token_verifier = verifier
    install_error_handlers(app)

    @app.middleware("http")
    async def trace_ids(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request.headers.get("x-request-id") or str(uuid.uuid4())
        correlation_id = request.headers.get("x-correlation-id") or request_id
        rtoken = request_id_var.set(request_id)
        ctoken = correlation_id_var.set(correlation_id)
        started = time.perf_counter()
        try:
            response = await call_next(request)
            log.info(
                "request",
                method=request.method,
                path=_loggable_path(request),
                status=response.status_code,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
        except Exception:
            log.exception("unhandled error")
            response = JSONResponse(
                {
                    "error": "internal",
                    "detail": "something went wrong on our side",
                    "request_id": request_id,
                },
                status_code=500,
            )
        finally:
            request_id_var.reset(rtoken)
            correlation_id_var.reset(ctoken)
        response.headers["x-request-id"] = request_id
        response.headers["x-correlation-id"] = correlation_id
        return response

    @app.get("/healthz", tags=["operations"], summary="Alive")
    async def healthz() -> Health:
        """The process is up and serving HTTP."""
        return Health(status="alive")

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Ready",
        responses={503: {"model": Health, "description": "a dependency is down"}},
    )
    async def readyz() -> JSONResponse:
        """Ready only while Kafka, MongoDB and the event consumer work."""
        checks = await runtime.ready()
        ok = all(checks.values())
        body = Health(status="ready" if ok else "not ready", checks=checks)
        return JSONResponse(body.model_dump(), status_code=200 if ok else 503)

    for router in routers:
        app.include_router(router)
    return app
