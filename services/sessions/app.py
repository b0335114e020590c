"""Composition root of the sessions service."""

from __future__ import annotations

from fastapi import FastAPI

from services.sessions.adapters import relationship_routes
from services.sessions.adapters.relationship_store import (
    AGREEMENTS,
    RELATIONSHIPS,
    RelationshipStore,
)
from shared.contracts.matching import MatchAccepted
from shared.contracts.registry import OrganisationJoined
from shared.directory import OrganisationDirectory
from shared.http.app import create_service_app, remote_verifier
from shared.http.directory_routes import directory_router
from shared.logging import configure_logging
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.tenancy import TenantData

SERVICE = "sessions"


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The sessions ASGI app (run with `uvicorn --factory services.sessions.app:create_app`)."""
    settings = settings or ServiceSettings()
    configure_logging(SERVICE, settings.log_level)
    runtime = ServiceRuntime(
        SERVICE,
        settings,
        consumes_from=["registry", "matching"],
        outbox_collections=[RELATIONSHIPS, AGREEMENTS],
    )
    data = TenantData(runtime.databases)
    directory = OrganisationDirectory(data)
    relationships = RelationshipStore(data, runtime.outbox)
    runtime.subscribe(OrganisationJoined, directory.on_joined)
    runtime.subscribe(MatchAccepted, relationships.on_match_accepted)
    app = create_service_app(
        runtime,
        title="mentornet sessions",
        description="Relationships, circles, agreements, meetings, logs, action plans, messages.",
        routers=[relationship_routes.router, directory_router()],
        verifier=remote_verifier(settings),
    )
    app.state.directory = directory
    app.state.relationships = relationships
    return app
