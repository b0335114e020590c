"""Composition root of the registry: settings, runtime, stores, routes."""

from __future__ import annotations

from fastapi import FastAPI

from services.registry.adapters import http_routes
from services.registry.adapters.organisation_store import COLLECTION, OrganisationStore
from shared.http.app import create_service_app
from shared.logging import configure_logging
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings

SERVICE = "registry"


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The registry's ASGI app (run with `uvicorn --factory services.registry.app:create_app`)."""
    settings = settings or ServiceSettings()
    configure_logging(SERVICE, settings.log_level)
    runtime = ServiceRuntime(SERVICE, settings, outbox_collections=[COLLECTION])
    store = OrganisationStore(runtime)
    app = create_service_app(
        runtime,
        title="mentornet registry",
        description="Partner organisations, members, programmes and circles of the network.",
        routers=[http_routes.router],
        on_started=store.prepare,
    )
    app.state.organisation_store = store
    return app
