"""End-to-end: the five services as real uvicorn processes, real Kafka and MongoDB-wire
servers, and three real OIDC providers (the network office's and two partners'), with people
signed in through the providers' login forms."""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest

from deploy.example_idp.sign_in import sign_in
from deploy.localnet.identity import (
    CLIENT_ID,
    Person,
    Provider,
    bearer,
    bootstrap_coordinator,
    sign_in_tokens,
    start_provider,
)
from deploy.localnet.processes import (
    PORTAL,
    SERVICES,
    ServiceProcess,
    start_network,
    stop_network,
)
from shared.secrets import new_secret_key, new_token
from tests.servers import kafka_bootstrap, mongo_url, smtp_address


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Partner:
    """A partner organisation of the test network and its signed-in people."""

    id: str
    provider: Provider
    admin: dict[str, Any]  # token response of its admin
    member: dict[str, Any]  # token response of a plain member
    people: dict[str, Person]


@dataclass
class World:
    """The running test network."""

    services: dict[str, ServiceProcess]  # the five services
    portal: ServiceProcess
    env: dict[str, str]
    office_id: str
    coordinator: dict[str, Any]
    a: Partner
    b: Partner
    providers: list[Provider]
    office_coordinator: Person  # who `coordinator` signed in as, at the network office

    def url(self, service: str) -> str:
        """Base URL of a service."""
        return self.services[service].url

    def reader(self, tokens: dict[str, Any]) -> httpx.Client:
        """An HTTP client authenticated with a token response."""
        return httpx.Client(headers=bearer(tokens), timeout=15)


def _partner(
    registry: str,
    coordinator: dict[str, Any],
    key: str,
    name: str,
    work_dir: Path,
    providers: list[Provider],
) -> Partner:
    admin = Person(f"{key}-admin", f"admin@{key}.example", f"{key.upper()} Admin")
    member = Person(f"{key}-member", f"member@{key}.example", f"{key.upper()} Member")
    organisation_id, provider = connect_partner(
        registry,
        coordinator,
        name,
        "health" if key == "a" else "engineering",
        [admin, member],
        [admin.email],
        work_dir,
        providers,
        email_domains=[f"{key}.example"],
    )
    return Partner(
        id=organisation_id,
        provider=provider,
        admin=sign_in_tokens(registry, organisation_id, admin),
        member=sign_in_tokens(registry, organisation_id, member),
        people={"admin": admin, "member": member},
    )


@pytest.fixture(scope="session")
def world(servers: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A network of its own (unique prefixes): services, providers, people signed in."""
    tag = secrets.token_hex(4)
    work_dir: Path = tmp_path_factory.mktemp("network")
    ports = {s: free_port() for s in (*SERVICES, PORTAL)}
    registry = f"http://127.0.0.1:{ports['registry']}"
    env = {
        "MENTORNET_KAFKA_BOOTSTRAP": kafka_bootstrap(),
        "MENTORNET_MONGO_URL": mongo_url(),
        "MENTORNET_DB_PREFIX": f"e{tag}",
        "MENTORNET_TOPIC_PREFIX": f"e{tag}",
        "MENTORNET_SECRET_KEY": new_secret_key(),
        "MENTORNET_PUBLIC_URL": registry,
        # The world's own tokens (the co-ordinator's, A's and B's) are signed in once per run
        # and used throughout it: they must outlive the whole suite, not the 15 minutes a real
        # access token lives.
        "MENTORNET_ACCESS_TOKEN_SECONDS": "3600",
        # The portal's secret as the registry's client (tests act as the portal with it).
        "MENTORNET_PORTAL_CLIENT_SECRET": new_token(),
        # The notifications service mails Mailpit, and looks for due mail every second; a
        # digest waits 8 s for a message to be read live (30 min in production).
        "MENTORNET_SMTP_HOST": smtp_address()[0],
        "MENTORNET_SMTP_PORT": str(smtp_address()[1]),
        "MENTORNET_NOTIFICATIONS_SWEEP_SECONDS": "1",
        "MENTORNET_DIGEST_SETTLE_SECONDS": "8",
        "MENTORNET_SMTP_RETRY_SECONDS": "0.5",
        # Webhooks: receivers on loopback; retries after 1 s and 2 s; an endpoint failing for
        # 2.5 s with no success is turned off (a day in production).
        "MENTORNET_WEBHOOKS_ALLOW_LOOPBACK": "true",
        "MENTORNET_WEBHOOK_RETRY_SCHEDULE_SECONDS": "0,1,2",
        "MENTORNET_WEBHOOK_DISABLE_AFTER_SECONDS": "2.5",
        # Every test calls from 127.0.0.1, so per-address limits would count the whole suite
        # as one caller (the cross-tenant suite alone sends hundreds of forged tokens);
        # tests/e2e/test_rate_limits.py runs a registry of its own with tight ones.
        "MENTORNET_RATE_LIMIT_SIGN_IN": "100000/minute",
        "MENTORNET_RATE_LIMIT_TOKEN": "100000/minute",
        "MENTORNET_RATE_LIMIT_UNKNOWN_KEY": "100000/minute",
    }
    coordinator_person = Person("coordinator", "coordinator@network-office.example", "Nia Coord")
    providers: list[Provider] = []
    processes: list[ServiceProcess] = []
    try:
        office = start_provider(
            "Network Office sign-in", free_port(), work_dir, registry, [coordinator_person]
        )
        providers.append(office)
        processes = start_network(env, work_dir, ports=ports)
        office_id = bootstrap_coordinator(env, office, coordinator_person.email)
        coordinator = sign_in_tokens(registry, office_id, coordinator_person)
        a = _partner(registry, coordinator, "a", "Alder Care Trust", work_dir, providers)
        b = _partner(registry, coordinator, "b", "Birch Engineering", work_dir, providers)
        services = {p.service: p for p in processes if p.service in SERVICES}
        portal = next(p for p in processes if p.service == PORTAL)
        yield World(
            services, portal, env, office_id, coordinator, a, b, providers, coordinator_person
        )
    finally:
        stop_network(processes)
        for provider in providers:
            provider.process.stop()


@pytest.fixture(scope="module")
def second_instances(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A second instance of each of the five services beside the world's (same settings:
    databases, topics, consumer groups), for a module's tests; stopped after the module, so
    other modules run on one instance each. The world returned names the second instances."""
    log_dir = tmp_path_factory.mktemp("second-instances")
    processes = [
        ServiceProcess(name, free_port(), dict(first.env), log_dir / f"{name}-2.log")
        for name, first in world.services.items()
    ]
    try:
        for process in processes:
            process.start()
        for process in processes:
            process.wait_ready()
        yield replace(world, services={p.service: p for p in processes})
    finally:
        stop_network(processes)


def provider_id_token(world: World, partner: Partner, nonce: str = "n") -> str:
    """A genuine ID token from a partner's provider, issued to mentornet (code flow + PKCE)."""
    provider = partner.provider
    verifier = new_token()
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    callback = f"{world.url('registry')}/auth/callback"
    query = urlencode(
        {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": callback,
            "scope": "openid email profile",
            "state": "s",
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    person = partner.people["member"]
    with httpx.Client() as client:
        redirect = sign_in(
            client,
            f"{provider.issuer}/authorize?{query}",
            person.username,
            person.password,
            stop_at=callback,
        )
    code = parse_qs(urlparse(redirect.headers["location"]).query)["code"][0]
    discovery = httpx.get(f"{provider.issuer}/.well-known/openid-configuration").json()
    answer = httpx.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": callback,
            "code_verifier": verifier,
        },
        auth=(CLIENT_ID, provider.client_secret),
    )
    return str(answer.json()["id_token"])


@dataclass
class Crowd:
    """An extra partner organisation with many people signed in (for circles and pools)."""

    id: str
    admin: dict[str, Any]
    people: list[dict[str, Any]]
    persons: list[Person]
    admin_person: Person  # who signs in as `admin` (at the crowd's provider)


def add_crowd(world: World, key: str, name: str, sector: str, size: int) -> Crowd:
    """Register an organisation with its own provider and `size` people besides its admin, all
    signed in; the provider is stopped with the session."""
    registry = world.url("registry")
    admin = Person(f"{key}-admin", f"admin@{key}.example", f"{name} admin")
    people = [
        Person(f"{key}-{n}", f"p{n}@{key}.example", f"{name} person {n}") for n in range(size)
    ]
    organisation_id, _ = connect_partner(
        registry,
        world.coordinator,
        name,
        sector,
        [admin, *people],
        [admin.email],
        Path(world.services["registry"].log_path).parent,
        world.providers,
        email_domains=[f"{key}.example"],
    )
    return Crowd(
        organisation_id,
        sign_in_tokens(registry, organisation_id, admin),
        [sign_in_tokens(registry, organisation_id, p) for p in people],
        people,
        admin,
    )


def integration_client(
    world: World, organisation_id: str, admin: dict[str, Any], scopes: list[str] | None = None
) -> dict[str, Any]:
    """A token response for a new integration client of the organisation, created by its
    `admin`, with `scopes` (members:read unless said)."""
    scopes = scopes or ["members:read"]
    registry = world.url("registry")
    created = httpx.post(
        f"{registry}/organisations/{organisation_id}/clients",
        json={"name": f"HR sync {'+'.join(scopes)}", "scopes": scopes},
        headers=bearer(admin),
        timeout=15,
    )
    assert created.status_code == 201, created.text
    client = created.json()
    token = httpx.post(
        f"{registry}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
        timeout=15,
    )
    assert token.status_code == 200, token.text
    tokens: dict[str, Any] = token.json()
    return tokens


def connect_partner(
    registry: str,
    coordinator: dict[str, Any],
    name: str,
    sector: str,
    people: list[Person],
    admin_emails: list[str],
    work_dir: Path,
    providers: list[Provider],
    email_domains: list[str] | None = None,
) -> tuple[str, Provider]:
    """Start a provider that knows `people`, register the organisation (as the network
    co-ordinator, with the e-mail domains its people sign in with) and connect the provider;
    the caller's `providers` list stops it later."""
    provider = start_provider(f"{name} sign-in", free_port(), work_dir, registry, people)
    providers.append(provider)  # stopped with the list's owner, whatever happens next
    with httpx.Client(headers=bearer(coordinator), timeout=15) as http:
        created = http.post(
            f"{registry}/organisations",
            json={
                "name": name,
                "sector": sector,
                "country": "GB",
                "admin_emails": admin_emails,
                "email_domains": email_domains or [],
            },
        )
        assert created.status_code == 201, created.text
        organisation_id = str(created.json()["id"])
        connected = http.put(
            f"{registry}/organisations/{organisation_id}/identity-provider",
            json={
                "issuer": provider.issuer,
                "client_id": CLIENT_ID,
                "client_secret": provider.client_secret,
            },
        )
        assert connected.status_code == 200, connected.text
    return organisation_id, provider
