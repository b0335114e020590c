"""Composition root of the registry: settings, runtime, stores, flows, routes."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from pymongo import AsyncMongoClient

from services.registry.adapters import (
    http_audit,
    http_auth,
    http_authorization,
    http_circles,
    http_clients,
    http_coordinators,
    http_import,
    http_members,
    http_organisations,
    http_privacy,
    http_profiles,
    http_programmes,
    http_provider_trials,
)
from services.registry.adapters.audit_trail import AuditTrail
from services.registry.adapters.authorization_codes import AuthorizationCodes
from services.registry.adapters.authorization_server import AuthorizationServer
from services.registry.adapters.client_store import ClientStore
from services.registry.adapters.components import RegistryComponents
from services.registry.adapters.contact_topic import ContactTopic
from services.registry.adapters.identity_providers import IdentityProviders
from services.registry.adapters.indexes import REGISTRY_INDEXES
from services.registry.adapters.member_import import ImportJobs
from services.registry.adapters.member_store import COLLECTION as MEMBERS
from services.registry.adapters.member_store import MemberStore
from services.registry.adapters.network_tokens import NetworkTokens
from services.registry.adapters.organisation_store import COLLECTION as ORGANISATIONS
from services.registry.adapters.organisation_store import (
    DIRECTORY_INDEXES,
    INVITATIONS,
    OrganisationStore,
)
from services.registry.adapters.privacy import SWEEP_SECONDS as ERASURE_SWEEP_SECONDS
from services.registry.adapters.privacy import MemberPrivacy
from services.registry.adapters.programme_coordinators import ProgrammeCoordinators
from services.registry.adapters.programme_store import (
    CIRCLES,
    ENROLMENTS,
    PROGRAMMES,
    ProgrammeStore,
)
from services.registry.adapters.provider_trials import ProviderTrialStore
from services.registry.adapters.refresh_tokens import RefreshTokens
from services.registry.adapters.sign_in import ATTEMPT_SWEEP_SECONDS, SignInFlow
from services.registry.adapters.signing_keys import SigningKeys
from services.registry.domain.authorization import WebClient
from services.registry.settings import RegistrySettings
from shared import clock
from shared.auth.http import TokenVerifier
from shared.auth.tokens import LEEWAY_SECONDS
from shared.events.topics import CONTACTS_ROLL_SECONDS
from shared.http.app import create_service_app
from shared.http.guarded import guarded_client
from shared.http.rate_limits import RateLimit
from shared.logging import configure_logging
from shared.mongo.databases import Document, ServiceDatabases
from shared.mongo.jobs import Jobs
from shared.runtime import ServiceRuntime
from shared.secrets import SecretBox, derived_key, token_hash
from shared.tenancy import TenantData

SERVICE = "registry"


def build_components(runtime: ServiceRuntime, settings: RegistrySettings) -> RegistryComponents:
    """The registry's adapters, wired (also used by the bootstrap command)."""
    data = TenantData(runtime.databases)
    box = SecretBox(settings.secret_key.get_secret_value())
    organisations = OrganisationStore(
        data, runtime.outbox, derived_key(settings.secret_key.get_secret_value(), "invitation ids")
    )
    members = MemberStore(data, runtime.outbox)
    keys = SigningKeys(
        data,
        box,
        rotation=timedelta(seconds=settings.key_rotation_seconds),
        grace=timedelta(seconds=settings.access_token_seconds + LEEWAY_SECONDS),
    )
    tokens = NetworkTokens(
        keys,
        RefreshTokens(
            data,
            timedelta(seconds=settings.refresh_token_seconds),
            timedelta(seconds=settings.session_max_seconds),
        ),
        members,
        issuer=settings.public_url,
        ttl_seconds=settings.access_token_seconds,
    )
    providers = IdentityProviders(
        guarded_client(allow_loopback=settings.allow_http_loopback_providers, timeout=10),
        allow_loopback_http=settings.allow_http_loopback_providers,
    )
    trials = ProviderTrialStore(data)
    audit = AuditTrail(data)
    programmes = ProgrammeStore(data, runtime.outbox)
    sign_in = SignInFlow(
        data,
        organisations,
        members,
        providers,
        box,
        callback_url=f"{settings.public_url}/auth/callback",
        trials=trials,
        audit=audit,
    )
    return RegistryComponents(
        organisations=organisations,
        members=members,
        clients=ClientStore(data),
        programmes=programmes,
        keys=keys,
        tokens=tokens,
        sign_in=sign_in,
        authorization=AuthorizationServer(
            _portal_client(settings),
            organisations,
            members,
            sign_in,
            AuthorizationCodes(data),
            tokens,
            issuer=settings.public_url,
        ),
        providers=providers,
        box=box,
        public_url=settings.public_url,
        trials=trials,
        imports=ImportJobs(data, members, Jobs()),
        audit=audit,
        coordinators=ProgrammeCoordinators(programmes),
    )


def _portal_client(settings: RegistrySettings) -> WebClient | None:
    """The portal as a registered confidential client, when it is configured."""
    if settings.portal_client_secret is None or settings.portal_redirect_uri is None:
        return None
    secret = settings.portal_client_secret.get_secret_value()
    if len(secret) < 32:
        raise ValueError("MENTORNET_PORTAL_CLIENT_SECRET must be at least 32 characters")
    return WebClient(
        client_id=settings.portal_client_id,
        secret_sha256=token_hash(secret),
        redirect_uri=settings.portal_redirect_uri,
        name="mentornet portal",
    )


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    """The registry's ASGI app (run with `uvicorn --factory services.registry.app:create_app`)."""
    settings = settings or RegistrySettings()  # the secret key comes from the environment
    configure_logging(SERVICE, settings.log_level)
    runtime = ServiceRuntime(
        SERVICE,
        settings,
        outbox_collections=[ORGANISATIONS, MEMBERS, PROGRAMMES, ENROLMENTS, CIRCLES, INVITATIONS],
        indexes=REGISTRY_INDEXES,
    )
    components = build_components(runtime, settings)
    runtime.every(60, "key-rotation", components.keys.rotate_if_due)
    privacy = MemberPrivacy(TenantData(runtime.databases), runtime.outbox, components.organisations)
    runtime.every(ERASURE_SWEEP_SECONDS, "erasure-sweep", privacy.sweep)
    contact_topic = ContactTopic(runtime.producer, settings.topic_prefix)
    runtime.every(CONTACTS_ROLL_SECONDS, "contacts-roll", contact_topic.roll)
    runtime.every(ATTEMPT_SWEEP_SECONDS, "sign-in-attempts", components.sign_in.sweep_abandoned)

    async def prepare() -> None:
        started = clock.now()
        await components.organisations.prepare()
        organisations = await components.organisations.directory()
        await components.imports.abandon_unfinished([o.id for o in organisations], started)
        await components.keys.rotate_if_due()
        await privacy.sweep()  # finish what a crash mid-erasure left behind
        # Members who joined before contact details had a topic of their own.
        for organisation in await components.organisations.directory():
            await components.members.publish_missing_contacts(organisation.id)

    app = create_service_app(
        runtime,
        title="mentornet registry",
        description="Partner organisations, their sign-in providers, members, roles and "
        "integration clients; the network's token issuer.",
        routers=[
            http_auth.router,
            http_authorization.router,
            http_organisations.router,
            http_provider_trials.router,
            http_audit.router,
            http_members.router,
            http_import.router,
            http_clients.router,
            http_profiles.router,
            http_privacy.router,
            http_programmes.router,
            http_programmes.me_router,
            http_coordinators.router,
            http_circles.router,
        ],
        verifier=TokenVerifier(
            components.keys,
            settings.public_url,
            RateLimit("tokens with an unknown key", settings.rate_limit_unknown_key),
        ),
        on_started=prepare,
        body_limits=http_import.BODY_LIMITS,
    )
    app.state.components = components
    app.state.sign_in_limit = RateLimit("sign-in starts", settings.rate_limit_sign_in)
    app.state.token_limit = RateLimit("token requests", settings.rate_limit_token)
    app.state.privacy = privacy
    return app


async def create_indexes(client: AsyncMongoClient[Document], db_prefix: str) -> None:
    """The registry's indexes, made before it starts (the deployment's provisioning job,
    `services/provision.py`); its stores make them at start-up too."""
    data = TenantData(ServiceDatabases(client, db_prefix, SERVICE))
    await data.network(ORGANISATIONS).create_indexes(DIRECTORY_INDEXES)
