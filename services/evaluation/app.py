"""Composition root of the evaluation service."""

from __future__ import annotations

from fastapi import FastAPI
from pymongo import AsyncMongoClient

from services.evaluation.adapters import (
    alert_routes,
    figure_routes,
    http_routes,
    member_survey_routes,
    survey_routes,
)
from services.evaluation.adapters.indexes import EVALUATION_INDEXES
from services.evaluation.adapters.membership import Membership
from services.evaluation.adapters.outcome_changes import OutcomeChanges
from services.evaluation.adapters.outcome_projection import OutcomeProjection
from services.evaluation.adapters.outcome_reader import OutcomeReader
from services.evaluation.adapters.outcome_store import OutcomeStore
from services.evaluation.adapters.surveys_and_alerts import OUTBOX_COLLECTIONS, SurveysAndAlerts
from services.evaluation.domain.outcome_fold import FOLDED
from shared.contracts.registry import MemberErased, MemberRegistered, OrganisationJoined
from shared.directory import OrganisationDirectory
from shared.http.app import create_service_app, remote_verifier
from shared.http.directory_routes import directory_router
from shared.kafka.consumer import in_turn
from shared.logging import configure_logging
from shared.mongo.client import connect
from shared.mongo.databases import Document, ServiceDatabases
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.tenancy import TenantData

SERVICE = "evaluation"


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The evaluation ASGI app (`uvicorn --factory services.evaluation.app:create_app`)."""
    settings = settings or ServiceSettings()
    configure_logging(SERVICE, settings.log_level)
    runtime = ServiceRuntime(
        SERVICE,
        settings,
        consumes_from=["registry", "matching", "sessions", "evaluation"],
        outbox_collections=[*OUTBOX_COLLECTIONS],
        indexes=EVALUATION_INDEXES,
    )
    data = TenantData(runtime.databases)
    directory = OrganisationDirectory(data)
    membership = Membership(data)
    runtime.subscribe(OrganisationJoined, directory.on_joined)
    runtime.subscribe(MemberRegistered, membership.on_registered)
    runtime.subscribe(MemberErased, membership.on_erased)
    outcomes = OutcomeStore(data)
    outcome_changes = OutcomeChanges(data)  # every instance's figures follow every instance's
    outcome_figures = OutcomeReader(outcomes, outcome_changes)
    projection = OutcomeProjection(outcomes, outcome_changes)
    # Surveys, reminders and monitoring alerts (docs/decisions.md 15).
    surveys_and_alerts = SurveysAndAlerts.build(runtime, data, directory)
    # The outcome read models (docs/decisions.md 16), then the monitoring records, as one handler
    # object for every type either follows: a partition's mixed events are one call (the
    # consumer starts a new call where the handler changes), each read model sees them in order.
    feed = surveys_and_alerts.feed
    fold_then_monitor = in_turn(projection.on_events, feed.on_events)
    for model in dict.fromkeys((*FOLDED, *feed.followed)):
        runtime.subscribe(model, fold_then_monitor)
    surveys_and_alerts.wire(runtime)
    app = create_service_app(
        runtime,
        title="mentornet evaluation",
        description="Surveys, outcome read models, monitoring alerts and anonymised figures.",
        routers=[
            http_routes.router,
            directory_router(),
            figure_routes.router,
            survey_routes.router,
            member_survey_routes.router,
            alert_routes.router,
        ],
        verifier=remote_verifier(settings),
    )
    app.state.directory = directory
    app.state.membership = membership
    app.state.outcomes = outcome_figures
    app.state.surveys_and_alerts = surveys_and_alerts
    return app


def outcome_data(settings: ServiceSettings) -> tuple[AsyncMongoClient[Document], TenantData]:
    """The evaluation's data door without the service around it, for the replay command and
    the benchmark (close the client when done)."""
    client: AsyncMongoClient[Document] = connect(settings.mongo_url, "replay", select_seconds=5)
    return client, TenantData(ServiceDatabases(client, settings.db_prefix, SERVICE))
