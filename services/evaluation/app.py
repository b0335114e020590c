"""Composition root of the evaluation service."""

from __future__ import annotations

from fastapi import FastAPI

from services.evaluation.adapters import http_routes
from services.evaluation.adapters.membership import Membership
from shared.contracts.registry import MemberErased, MemberRegistered, OrganisationJoined
from shared.directory import OrganisationDirectory
from shared.http.app import create_service_app, remote_verifier
from shared.http.directory_routes import directory_router
from shared.logging import configure_logging
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.tenancy import TenantData

SERVICE = "evaluation"


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The evaluation ASGI app (`uvicorn --factory services.evaluation.app:create_app`)."""
    settings = settings or ServiceSettings()
    configure_logging(SERVICE, settings.log_level)
    runtime = ServiceRuntime(SERVICE, settings, consumes_from=["registry"])
    data = TenantData(runtime.databases)
    directory = OrganisationDirectory(data)
    membership = Membership(data)
    runtime.subscribe(OrganisationJoined, directory.on_joined)
    runtime.subscribe(MemberRegistered, membership.on_registered)
    runtime.subscribe(MemberErased, membership.on_erased)
    app = create_service_app(
        runtime,
        title="mentornet evaluation",
        description="Surveys, outcome read models, monitoring alerts and anonymised figures.",
        routers=[http_routes.router, directory_router()],
        verifier=remote_verifier(settings),
    )
    app.state.directory = directory
    app.state.membership = membership
    return app
