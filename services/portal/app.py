"""Composition root of the portal: settings, its one database collection pair, the clients of
the four services and of the authorization server, the session keeper, pages and routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pymongo import AsyncMongoClient

from services.portal.adapters import (
    action_plan_routes,
    circle_routes,
    coordinate_routes,
    dashboard_routes,
    feedback_routes,
    home_routes,
    journal_routes,
    matching_round_routes,
    meeting_log_routes,
    meeting_routes,
    message_routes,
    network_routes,
    notification_routes,
    organisation_member_routes,
    organisation_routes,
    oversight_routes,
    profile_routes,
    programme_routes,
    proposal_routes,
    relationship_routes,
    sign_in_routes,
    survey_design_routes,
    survey_routes,
    webhook_routes,
)
from services.portal.adapters.components import PortalComponents
from services.portal.adapters.error_pages import crash_page, install_error_pages
from services.portal.adapters.network_api import NetworkApi, Service, service_client
from services.portal.adapters.network_sign_in import NetworkSignIn
from services.portal.adapters.pages import Pages
from services.portal.adapters.signed_in import Cookies, SessionKeeper, origin_of
from services.portal.adapters.web_security import SecurityHeaders
from services.portal.adapters.web_sessions import WebSessions
from services.portal.domain.web_session import Lifetimes
from services.portal.settings import PortalSettings
from shared.auth.http import TokenVerifier
from shared.auth.keys import RemoteJwks
from shared.heap import settle_after_start
from shared.http.body_limit import BodyLimit
from shared.http.tracing import RequestTracing
from shared.logging import configure_logging
from shared.mongo.client import connect
from shared.mongo.databases import Document
from shared.secrets import SecretBox

SERVICE = "portal"
STATIC = Path(__file__).resolve().parent / "static"
# The front-end files the portal serves, from the packages `npm ci` installed (no CDN).
VENDOR = {
    "htmx.js": "htmx.org/dist/htmx.min.js",
    "hx-sse.js": "htmx.org/dist/ext/hx-sse.min.js",
}
ROUTERS = [
    sign_in_routes.router,
    home_routes.router,
    relationship_routes.router,
    message_routes.router,
    programme_routes.router,
    proposal_routes.router,
    profile_routes.router,
    survey_routes.router,
    meeting_routes.router,
    meeting_log_routes.router,
    journal_routes.router,
    feedback_routes.router,
    action_plan_routes.router,
    circle_routes.router,
    notification_routes.router,
    dashboard_routes.router,
    network_routes.router,
    coordinate_routes.router,
    matching_round_routes.router,
    oversight_routes.router,
    survey_design_routes.router,
    organisation_routes.router,
    organisation_member_routes.router,
    webhook_routes.router,
]


def vendor_files(assets: Path) -> dict[str, Path]:
    """The vendored files, or RuntimeError saying how to install them."""
    files = {name: assets / relative for name, relative in VENDOR.items()}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        raise RuntimeError(
            "the portal's front-end packages are not installed (missing "
            f"{', '.join(missing)}): run `npm ci` in services/portal/web"
        )
    return files


def create_app(settings: PortalSettings | None = None) -> FastAPI:
    """The portal's ASGI app (run with `uvicorn --factory services.portal.app:create_app`)."""
    settings = settings or PortalSettings()  # secrets come from the environment
    configure_logging(SERVICE, settings.log_level)
    vendor = vendor_files(settings.portal_assets_dir)
    mongo: AsyncMongoClient[Document] = connect(settings.mongo_url, SERVICE)
    database = mongo[f"{settings.db_prefix}_{SERVICE}_network"]
    box = SecretBox(settings.secret_key.get_secret_value())
    sessions = WebSessions(database["web_sessions"], database["sign_in_attempts"], box)
    urls = {
        Service.REGISTRY: settings.registry_url,
        Service.MATCHING: settings.matching_url,
        Service.SESSIONS: settings.sessions_url,
        Service.EVALUATION: settings.evaluation_url,
        Service.NOTIFICATIONS: settings.notifications_url,
    }
    timeout = settings.portal_service_timeout_seconds
    network = NetworkApi.connect(urls, timeout)
    http = service_client(settings.registry_url, timeout)  # the registry's token endpoints
    sign_in = NetworkSignIn(
        http,
        TokenVerifier(RemoteJwks(settings.jwks_url), settings.token_issuer),
        registry_url=settings.registry_url,
        client_id=settings.portal_client_id,
        client_secret=settings.portal_client_secret.get_secret_value(),
        redirect_uri=settings.redirect_uri,
    )
    pages = Pages()
    keeper = SessionKeeper(
        sessions,
        sign_in,
        network,
        Lifetimes(
            idle=timedelta(seconds=settings.portal_session_idle_seconds),
            absolute=timedelta(seconds=settings.portal_session_absolute_seconds),
        ),
        Cookies(secure=settings.secure_cookies),
        origin_of(settings.portal_public_url),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await mongo.admin.command("ping")
        settle_after_start()
        try:
            yield
        finally:
            await http.aclose()
            await network.close()
            await mongo.close()

    app = FastAPI(
        title="mentornet portal",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.components = PortalComponents(
        pages=pages,
        network=network,
        sign_in=sign_in,
        sessions=sessions,
        keeper=keeper,
        public_url=settings.portal_public_url.rstrip("/"),
        registry_public_url=settings.token_issuer.rstrip("/"),
    )
    install_error_pages(app, pages)
    app.add_middleware(BodyLimit, limits=organisation_member_routes.BODY_LIMITS)
    app.add_middleware(RequestTracing, error_page=crash_page)
    app.add_middleware(SecurityHeaders, https=settings.secure_cookies)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        """The process is up and serving HTTP."""
        return JSONResponse({"status": "alive"})

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        """Ready while its own database answers (the services have readiness of their own)."""
        try:
            await mongo.admin.command("ping")
        except Exception:
            return JSONResponse({"status": "not ready", "checks": {"mongodb": False}}, 503)
        return JSONResponse({"status": "ready", "checks": {"mongodb": True}})

    @app.get("/static/vendor/{name}", include_in_schema=False)
    async def vendored(name: str) -> FileResponse:
        """htmx and its SSE extension, pinned by the lock file, served by the portal."""
        path = vendor.get(name)
        if path is None:
            raise HTTPException(status_code=404)
        return FileResponse(path, media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    return app
