"""Composition root of the matching service."""

from __future__ import annotations

from fastapi import FastAPI

from services.matching.adapters import http_routes
from services.matching.adapters.pool_store import PoolStore
from services.matching.adapters.read_model import CandidateReadModel
from shared.contracts.registry import (
    MemberEnrolled,
    MemberErased,
    MemberProfileUpdated,
    MemberReadinessChanged,
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

SERVICE = "matching"


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The matching ASGI app (run with `uvicorn --factory services.matching.app:create_app`)."""
    settings = settings or ServiceSettings()
    configure_logging(SERVICE, settings.log_level)
    runtime = ServiceRuntime(SERVICE, settings, consumes_from=["registry"])
    data = TenantData(runtime.databases)
    directory = OrganisationDirectory(data)
    candidates = CandidateReadModel(data)
    runtime.subscribe(OrganisationJoined, directory.on_joined)
    runtime.subscribe(MemberProfileUpdated, candidates.on_profile_updated)
    runtime.subscribe(MemberReadinessChanged, candidates.on_readiness_changed)
    runtime.subscribe(MemberEnrolled, candidates.on_enrolled)
    runtime.subscribe(MemberErased, candidates.on_erased)
    runtime.subscribe(ProgrammePublished, candidates.on_programme_published)
    runtime.subscribe(ProgrammeStatusChanged, candidates.on_programme_status_changed)
    app = create_service_app(
        runtime,
        title="mentornet matching",
        description="Candidate pools, scored suggestions with reasons, proposals and acceptances.",
        routers=[http_routes.router, directory_router()],
        verifier=remote_verifier(settings),
    )
    app.state.directory = directory
    app.state.pools = PoolStore(data)
    return app
