"""Build a service's FastAPI application around its runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shared.auth.http import TokenVerifier
from shared.auth.keys import RemoteJwks
from shared.heap import settle_after_start
from shared.http.body_limit import BodyLimit, BodyLimits
from shared.http.errors import install_error_handlers
from shared.http.openapi import tell_the_truth
from shared.http.rate_limits import RateLimit
from shared.http.tracing import RequestTracing
from shared.logging import get_logger
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings

log = get_logger(__name__)


class Health(BaseModel):
    """Liveness or readiness, with each dependency's state."""

    status: str
    checks: dict[str, bool] = {}


def remote_verifier(settings: ServiceSettings) -> TokenVerifier:
    """Verifies network tokens with the registry's published keys (cached, not per request)."""
    unknown_keys = RateLimit("tokens with an unknown key", settings.rate_limit_unknown_key)
    return TokenVerifier(RemoteJwks(settings.jwks_url), settings.token_issuer, unknown_keys)


def create_service_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    verifier: TokenVerifier,
    on_started: Callable[[], Awaitable[None]] | None = None,
    on_stopping: Callable[[], Awaitable[None]] | None = None,
    body_limits: BodyLimits | None = None,
) -> FastAPI:
    """A FastAPI app with health endpoints, request ids, error shapes and a managed runtime.
    Request bodies are limited (`shared.http.body_limit`); `body_limits` raises a route's."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        if on_started is not None:
            await on_started()
        settle_after_start()
        try:
            yield
        finally:
            if on_stopping is not None:
                await on_stopping()
            await runtime.stop()

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.token_verifier = verifier
    install_error_handlers(app)
    tell_the_truth(app)

    # Inside the tracing, so a refused body is logged with its request id like any answer.
    app.add_middleware(BodyLimit, limits=body_limits)
    app.add_middleware(RequestTracing)

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
