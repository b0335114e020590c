"""Composition root of the notifications service: it consumes the network's events like any
service (its own consumer group, dedupe, retries, dead letters), keeps its own read models of
who is in what and who wants what, learns addresses from the registry's compacted contacts
topic, and e-mails people through an SMTP relay (Mailpit locally).

Its second kind of delivery is webhooks to partner organisations' own systems (docs/decisions.md
25): an organisation's admins register endpoints (`webhook_routes` → `webhook_subscriptions`),
`webhook_triggers` decides each organisation's own payload for each endpoint that chose the
event's type, and `webhook_sender` signs (Standard Webhooks) and POSTs them as CloudEvents,
each endpoint on its own, retrying on a schedule, through a connection guard that refuses
private addresses; an endpoint failing for a day is turned off and its admins are e-mailed."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from services.notifications.adapters import preference_routes, unsubscribe_routes, webhook_routes
from services.notifications.adapters.admin_book import AdminBook
from services.notifications.adapters.components import NotificationComponents
from services.notifications.adapters.contact_book import ContactBook
from services.notifications.adapters.contact_feed import ContactFeed
from services.notifications.adapters.due_mail import DueMail
from services.notifications.adapters.erasure import MemberErasure
from services.notifications.adapters.indexes import NOTIFICATIONS_INDEXES
from services.notifications.adapters.mail_queue import MailQueue
from services.notifications.adapters.mail_renderer import MailRenderer, templates
from services.notifications.adapters.mail_sender import MailSender
from services.notifications.adapters.mail_triggers import MailTriggers, Pacing, handlers
from services.notifications.adapters.preference_store import PreferenceStore
from services.notifications.adapters.relationship_book import RelationshipBook
from services.notifications.adapters.smtp import SmtpRelay
from services.notifications.adapters.timetable import Timetable
from services.notifications.adapters.webhook_connections import WebhookPoster
from services.notifications.adapters.webhook_delivery_store import WebhookDeliveryStore
from services.notifications.adapters.webhook_endpoint_store import WebhookEndpointStore
from services.notifications.adapters.webhook_queue import WebhookQueue
from services.notifications.adapters.webhook_sender import Pace, WebhookSender
from services.notifications.adapters.webhook_subscriptions import WebhookSubscriptions
from services.notifications.adapters.webhook_triggers import WebhookTriggers
from services.notifications.domain.schedule import parse_time_of_day
from services.notifications.domain.webhook_retries import parse_schedule
from services.notifications.settings import NotificationSettings
from shared import clock
from shared.contracts.matching import CircleFormed
from shared.contracts.registry import (
    MemberErased,
    MemberRegistered,
    ProgrammeCoordinatorsChanged,
    ProgrammePublished,
    RoleGranted,
    RoleRevoked,
)
from shared.contracts.sessions import RelationshipStarted
from shared.events.topics import contacts_topic, deadletter_topic
from shared.http.app import create_service_app, remote_verifier
from shared.logging import configure_logging
from shared.runtime import ServiceRuntime
from shared.secrets import SecretBox, derived_key
from shared.tenancy import TenantData

SERVICE = "notifications"


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    """The notifications ASGI app (`uvicorn --factory services.notifications.app:create_app`)."""
    settings = settings or NotificationSettings()  # the secret key comes from the environment
    configure_logging(SERVICE, settings.log_level)
    runtime = ServiceRuntime(
        SERVICE,
        settings,
        consumes_from=["registry", "matching", "sessions", "evaluation"],
        indexes=NOTIFICATIONS_INDEXES,
    )
    data = TenantData(runtime.databases)
    unsubscribe_key = derived_key(settings.secret_key.get_secret_value(), "unsubscribe links")
    dead_letters = deadletter_topic(settings.topic_prefix, SERVICE)

    contacts = ContactBook(data)
    relationships = RelationshipBook(data)
    preferences = PreferenceStore(data)
    queue = MailQueue(data)
    timetable = Timetable(data)
    sender = MailSender(
        queue,
        contacts,
        preferences,
        MailRenderer(
            settings.mail_from,
            settings.portal_public_url,
            settings.notifications_public_url,
            unsubscribe_key,
        ),
        SmtpRelay(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
        ),
        runtime.producer,
        dead_letters,
        clock.now,
        attempts=settings.smtp_attempts,
        retry_seconds=settings.smtp_retry_seconds,
    )
    triggers = MailTriggers(
        relationships,
        contacts,
        queue,
        timetable,
        sender.wake,
        Pacing(
            fresh=timedelta(hours=settings.fresh_hours),
            reminder_time=parse_time_of_day(settings.reminder_time),
            log_due_after=timedelta(minutes=settings.log_due_after_minutes),
        ),
        clock.now,
    )
    # Read models first, so a batch that starts a relationship and mails about it finds it.
    runtime.subscribe(ProgrammePublished, relationships.on_programme)
    runtime.subscribe(ProgrammeCoordinatorsChanged, relationships.on_coordinators_changed)
    runtime.subscribe(RelationshipStarted, relationships.on_started)
    runtime.subscribe(CircleFormed, relationships.on_circle)
    for model, handler in handlers(triggers):
        runtime.subscribe(model, handler)
    erasure = MemberErasure(contacts, relationships, preferences, queue, timetable)
    runtime.subscribe(MemberErased, erasure.on_erased)
    due = DueMail(
        timetable,
        relationships,
        contacts,
        preferences,
        queue,
        sender.wake,
        timedelta(seconds=settings.digest_settle_seconds),
        clock.now,
    )
    runtime.every(settings.notifications_sweep_seconds, "due-mail", due.sweep)
    runtime.alongside(
        ContactFeed(
            bootstrap=settings.kafka_bootstrap,
            group_id=f"{settings.topic_prefix}.{SERVICE}.contacts",
            topic=contacts_topic(settings.topic_prefix),
            book=contacts,
            producer=runtime.producer,
            deadletter_topic=dead_letters,
            on_invitation=triggers.on_invitation,
        )
    )
    runtime.alongside(sender)

    # Webhooks to partners' own systems.
    admins = AdminBook(data)
    runtime.subscribe(MemberRegistered, admins.on_registered)
    runtime.subscribe(RoleGranted, admins.on_granted)
    runtime.subscribe(RoleRevoked, admins.on_revoked)
    runtime.subscribe(MemberErased, admins.on_erased)
    endpoints = WebhookEndpointStore(data)
    webhook_deliveries = WebhookDeliveryStore(data)
    webhook_queue = WebhookQueue(data)
    box = SecretBox(settings.secret_key.get_secret_value())
    webhook_sender = WebhookSender(
        endpoints,
        webhook_deliveries,
        webhook_queue,
        admins,
        queue,
        sender.wake,
        box,
        WebhookPoster(
            allow_loopback=settings.webhooks_allow_loopback,
            timeout=settings.webhook_timeout_seconds,
            per_endpoint=settings.webhook_concurrency,
        ),
        clock.now,
        Pace(
            schedule=parse_schedule(settings.webhook_retry_schedule_seconds),
            disable_after=timedelta(seconds=settings.webhook_disable_after_seconds),
            concurrency=settings.webhook_concurrency,
        ),
    )
    webhook_triggers = WebhookTriggers(
        endpoints,
        webhook_deliveries,
        webhook_queue,
        relationships,
        webhook_sender.decided,
        timedelta(hours=settings.fresh_hours),
        clock.now,
    )
    for model, handler in webhook_triggers.handlers():
        runtime.subscribe(model, handler)
    runtime.alongside(webhook_sender)
    webhooks = WebhookSubscriptions(
        endpoints,
        webhook_deliveries,
        webhook_queue,
        box,
        webhook_sender.wake,
        clock.now,
        allow_loopback=settings.webhooks_allow_loopback,
        secret_overlap=timedelta(hours=settings.webhook_secret_overlap_hours),
    )
    app = create_service_app(
        runtime,
        title="mentornet notifications",
        description="E-mail to people about what waits for them, never what anyone wrote: "
        "each person's choices of what they get and how often, and one-click unsubscribe; "
        "and signed webhooks (Standard Webhooks, CloudEvents) to partner organisations' own "
        "systems about their own people and programmes.",
        routers=[preference_routes.router, unsubscribe_routes.router, webhook_routes.router],
        verifier=remote_verifier(settings),
    )
    app.state.components = NotificationComponents(
        preferences=preferences,
        unsubscribe_key=unsubscribe_key,
        portal_url=settings.portal_public_url.rstrip("/"),
        pages=templates(),
        webhooks=webhooks,
    )
    app.state.sender = sender
    app.state.due_mail = due
    app.state.webhook_sender = webhook_sender
    return app
