"""Composition root of the matching service."""

from __future__ import annotations

from fastapi import FastAPI

from shared.contracts.registry import OrganisationJoined
from shared.directory import OrganisationDirectory
from shared.http.app import create_service_app, remote_verifier
from shared.http.directory_routes import directory_router
from shared.logging import configure_logging
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.tenancy import TenantData

SERVICE = "matching"


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The matching ASGI app (run with `uvicorn --factory services.matching.app:create_app`)."""
    settings = settings or ServiceSettings()
    configure_logging(SERVICE, settings.log_level)
    runtime = ServiceRuntime(SERVICE, settings, consumes_from=["registry"])
    data = TenantData(runtime.databases)
    directory = OrganisationDirectory(data)
    runtime.subscribe(OrganisationJoined, directory.on_joined)
    app = create_service_app(
        runtime,
        title="mentornet matching",
        description="Candidate pools, scored suggestions with reasons, proposals and acceptances.",
        routers=[directory_router()],
        verifier=remote_verifier(settings),
    )
    app.state.directory = directory
    return app
