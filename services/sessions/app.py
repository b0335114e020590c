"""Composition root of the sessions service."""

from __future__ import annotations

from fastapi import FastAPI

from services.sessions.adapters import relationship_routes
from services.sessions.adapters.erasure import MemberErasure
from services.sessions.adapters.programme_book import ProgrammeBook
from services.sessions.adapters.relationship_store import (
    AGREEMENTS,
    RELATIONSHIPS,
    RelationshipStore,
)
from shared.contracts.matching import MatchAccepted
from shared.contracts.registry import (
    MemberErased,
    OrganisationJoined,
    ProgrammePublished,
    ProgrammeStatusChanged,
)
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
    programmes = ProgrammeBook(data)
    relationships = RelationshipStore(data, runtime.outbox, programmes)
    runtime.subscribe(OrganisationJoined, directory.on_joined)
    runtime.subscribe(ProgrammePublished, programmes.on_published)
    runtime.subscribe(ProgrammeStatusChanged, programmes.on_status_changed)
    runtime.subscribe(MatchAccepted, relationships.on_match_accepted)
    # Every store that keeps what members write erases it; add each new one here.
    erasure = MemberErasure([])
    runtime.subscribe(MemberErased, erasure.on_erased)
    app = create_service_app(
        runtime,
        title="mentornet sessions",
        description="Relationships, circles, agreements, meetings, logs, action plans, messages.",
        routers=[relationship_routes.router, directory_router()],
        verifier=remote_verifier(settings),
    )
    app.state.directory = directory
    app.state.programmes = programmes
    app.state.relationships = relationships
    return app
