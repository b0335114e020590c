"""Composition root of the matching service."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from services.matching.adapters import circle_routes, http_routes, proposal_routes
from services.matching.adapters.circle_store import CIRCLES, CircleStore
from services.matching.adapters.data_keys import DataKeys
from services.matching.adapters.indexes import MATCHING_INDEXES
from services.matching.adapters.pool_store import PoolStore
from services.matching.adapters.proposal_store import PROPOSALS, ProposalStore
from services.matching.adapters.read_model import CandidateReadModel
from services.matching.adapters.round_jobs import RoundJobs
from shared import clock
from shared.contracts.registry import (
    MemberEnrolled,
    MemberErased,
    MemberProfileUpdated,
    MemberReadinessChanged,
    OrganisationJoined,
    ProgrammeCoordinatorsChanged,
    ProgrammePublished,
    ProgrammeStatusChanged,
)
from shared.contracts.sessions import RelationshipEnded
from shared.directory import OrganisationDirectory
from shared.events.catalogue import InboundEvent
from shared.events.topics import member_keys_topic
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
    runtime = ServiceRuntime(
        SERVICE,
        settings,
        consumes_from=["registry", "sessions"],
        outbox_collections=[PROPOSALS, CIRCLES],
        indexes=MATCHING_INDEXES,
    )
    data = TenantData(runtime.databases)
    directory = OrganisationDirectory(data)
    # Members' data keys, which open their profiles (docs/decisions.md "Erasure reaches Kafka").
    keys = DataKeys(
        bootstrap=settings.kafka_bootstrap, topic=member_keys_topic(settings.topic_prefix)
    )
    runtime.alongside(keys)
    candidates = CandidateReadModel(data, keys)
    proposals = ProposalStore(data, runtime.outbox)
    circles = CircleStore(data, runtime.outbox, proposals)
    rounds = RoundJobs(data, proposals)
    created_at = clock.now()

    async def abandon_rounds() -> None:
        # Rounds a stopped process left running cannot be resumed: they are marked failed.
        await rounds.abandon_unfinished(created_at)

    async def on_erased(events: Sequence[InboundEvent[MemberErased]]) -> None:
        await candidates.on_erased(events)
        await proposals.on_erased(events)
        await circles.on_erased(events)

    runtime.subscribe(MemberErased, on_erased)
    runtime.subscribe(RelationshipEnded, proposals.on_relationship_ended)
    runtime.subscribe(OrganisationJoined, directory.on_joined)
    runtime.subscribe(MemberProfileUpdated, candidates.on_profile_updated)
    runtime.subscribe(MemberReadinessChanged, candidates.on_readiness_changed)
    runtime.subscribe(MemberEnrolled, candidates.on_enrolled)
    runtime.subscribe(ProgrammePublished, candidates.on_programme_published)
    runtime.subscribe(ProgrammeStatusChanged, candidates.on_programme_status_changed)
    runtime.subscribe(ProgrammeCoordinatorsChanged, candidates.on_programme_coordinators_changed)
    app = create_service_app(
        runtime,
        title="mentornet matching",
        description="Candidate pools, scored suggestions with reasons, proposals and acceptances.",
        routers=[
            http_routes.router,
            proposal_routes.router,
            circle_routes.router,
            directory_router(),
        ],
        verifier=remote_verifier(settings),
        on_started=abandon_rounds,
        on_stopping=rounds.stop,
    )
    app.state.directory = directory
    app.state.pools = PoolStore(data)
    app.state.proposals = proposals
    app.state.circles = circles
    app.state.round_jobs = rounds
    return app
