"""Composition root of the sessions service."""

from __future__ import annotations

from fastapi import FastAPI

from services.sessions.adapters import (
    action_plan_routes,
    calendar_routes,
    circle_concern_routes,
    circle_routes,
    feedback_routes,
    journal_routes,
    log_routes,
    meeting_routes,
    message_routes,
    relationship_routes,
)
from services.sessions.adapters.action_plan_store import (
    GOALS,
    GROW,
    OSKAR,
    ActionPlanStore,
)
from services.sessions.adapters.calendar_feed_store import CalendarFeedStore
from services.sessions.adapters.circle_concern_store import CIRCLE_CONCERNS, CircleConcernStore
from services.sessions.adapters.circle_session_store import CIRCLE_SESSIONS, CircleSessionStore
from services.sessions.adapters.circle_store import CircleStore
from services.sessions.adapters.erasure import MemberErasure
from services.sessions.adapters.indexes import SESSIONS_INDEXES
from services.sessions.adapters.journal_store import JournalStore
from services.sessions.adapters.log_store import LOGS, MeetingLogStore
from services.sessions.adapters.meeting_store import MEETINGS, MeetingStore
from services.sessions.adapters.message_doors import MessageDoors
from services.sessions.adapters.message_notifier import POLL_SECONDS, MessageNotifier
from services.sessions.adapters.message_store import MessageStore
from services.sessions.adapters.message_thread import MESSAGE_READS, MESSAGES
from services.sessions.adapters.programme_book import ProgrammeBook
from services.sessions.adapters.relationship_cache import RecentRelationships
from services.sessions.adapters.relationship_changes import RelationshipChanges
from services.sessions.adapters.relationship_store import (
    AGREEMENTS,
    RELATIONSHIPS,
    RelationshipStore,
)
from shared.contracts.matching import CircleFormed, MatchAccepted
from shared.contracts.registry import (
    MemberErased,
    OrganisationJoined,
    ProgrammeCoordinatorsChanged,
    ProgrammePublished,
    ProgrammeStatusChanged,
)
from shared.directory import OrganisationDirectory
from shared.events.topics import domain_topic
from shared.http.app import create_service_app, remote_verifier
from shared.http.directory_routes import directory_router
from shared.http.rate_limits import RateLimit
from shared.logging import configure_logging
from shared.mongo.numbered import NumberedRecords
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
        indexes=SESSIONS_INDEXES,
        outbox_collections=[
            RELATIONSHIPS,
            AGREEMENTS,
            CIRCLE_SESSIONS,
            CIRCLE_CONCERNS,
            MEETINGS,
            LOGS,
            GOALS,
            OSKAR,
            GROW,
            MESSAGES,
            MESSAGE_READS,
        ],
    )
    data = TenantData(runtime.databases)
    directory = OrganisationDirectory(data)
    programmes = ProgrammeBook(data)
    numbered = NumberedRecords()
    recent = RecentRelationships()
    relationships = RelationshipStore(data, runtime.outbox, programmes, numbered, recent)
    # Every instance forgets its copies of relationships another instance changed.
    runtime.alongside(
        RelationshipChanges(
            bootstrap=settings.kafka_bootstrap,
            topic=domain_topic(settings.topic_prefix, SERVICE),
            recent=recent,
        )
    )
    runtime.subscribe(OrganisationJoined, directory.on_joined)
    runtime.subscribe(ProgrammePublished, programmes.on_published)
    runtime.subscribe(ProgrammeStatusChanged, programmes.on_status_changed)
    runtime.subscribe(ProgrammeCoordinatorsChanged, programmes.on_coordinators_changed)
    runtime.subscribe(MatchAccepted, relationships.on_match_accepted)
    circles = CircleStore(data, programmes)
    runtime.subscribe(CircleFormed, circles.on_circle_formed)
    circle_sessions = CircleSessionStore(circles, runtime.outbox, numbered)
    circle_concerns = CircleConcernStore(circles, circle_sessions, runtime.outbox)
    meetings = MeetingStore(data, relationships, runtime.outbox, numbered)
    calendar_feeds = CalendarFeedStore(data, meetings)
    meeting_logs = MeetingLogStore(data, runtime.outbox, relationships, numbered)
    journal = JournalStore(
        data, runtime.outbox, numbered, relationships, meeting_logs, circles, circle_sessions
    )
    action_plans = ActionPlanStore(data, runtime.outbox, relationships, numbered)
    message_notifier = MessageNotifier()
    messages = MessageStore(data, runtime.outbox, message_notifier, numbered)
    # Messages posted through another instance reach this one's open streams by this poll.
    runtime.every(POLL_SECONDS, "message-poll", message_notifier.poll)
    # Every store that keeps what members write erases it; add each new one here.
    erasure = MemberErasure(
        [
            relationships,
            circles,
            circle_sessions,
            circle_concerns,
            meetings,
            calendar_feeds,
            meeting_logs,
            journal,
            action_plans,
            messages,
        ]
    )
    runtime.subscribe(MemberErased, erasure.on_erased)
    app = create_service_app(
        runtime,
        title="mentornet sessions",
        description="Relationships, circles, agreements, meetings, logs, reflective journals, "
        "action plans, messages.",
        routers=[
            relationship_routes.router,
            circle_routes.router,
            circle_concern_routes.router,
            meeting_routes.router,
            calendar_routes.router,
            log_routes.router,
            journal_routes.router,
            feedback_routes.router,
            action_plan_routes.router,
            message_routes.router,
            directory_router(),
        ],
        verifier=remote_verifier(settings),
    )
    app.state.directory = directory
    app.state.programmes = programmes
    app.state.relationships = relationships
    app.state.meetings = meetings
    app.state.calendar_feeds = calendar_feeds
    app.state.calendar_feed_limit = RateLimit(
        "calendar feed fetches", settings.rate_limit_calendar_feed
    )
    app.state.message_stream_limit = RateLimit(
        "message streams opened", settings.rate_limit_message_stream
    )
    app.state.circles = circles
    app.state.circle_sessions = circle_sessions
    app.state.circle_concerns = circle_concerns
    app.state.meeting_logs = meeting_logs
    app.state.journal = journal
    app.state.action_plans = action_plans
    app.state.messages = messages
    app.state.message_notifier = message_notifier
    app.state.message_doors = MessageDoors(relationships, circles)
    return app
