"""The cross-tenant suite: with what organisation A has — its admin's, its co-ordinator's, its
member's and its integration client's tokens — and with forged tokens, try every operation of
every service on organisation B's records. Every attempt must be refused (401 for a token we do
not trust, 403 or 404 for A's people) and change nothing of B's.

B is a full tenant (tests/e2e/tenant_b.py): people, programmes, proposals, relationships,
meetings, logs, goals, messages, circles, surveys, templates, an alert, jobs, a client, a
provider trial, a webhook endpoint and its deliveries, each confirmed by the service that keeps
it before the attack starts. The operations come from the services' OpenAPI documents, so a new
route is attacked without anyone adding it; every `{...}` in its path is filled with B's record
of that name, every id field of its body and query with B's ids, and a route with a parameter
the suite has no record of B for fails the suite, naming it.

Operations that are not B's to refuse are listed below by (method, path) with the reason, and
with what each caller must get instead: they are still called, and still must not show B.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from pymongo import MongoClient

from deploy.localnet.identity import bearer, sign_in_tokens
from shared.auth.principal import CallerKind, Role, Scope
from shared.auth.tokens import issue
from shared.secrets import SecretBox
from tests.e2e.conftest import World, provider_id_token
from tests.e2e.tenant_b import TenantB, build_tenant_b, receiver
from tests.e2e.test_candidate_pool import member_id_of

Operation = tuple[str, str]  # (method, path template)

# Operations anyone may call: they carry no organisation's data. Not attacked.
PUBLIC: dict[Operation, str] = {
    ("GET", "/healthz"): "liveness",
    ("GET", "/readyz"): "readiness",
    ("GET", "/.well-known/jwks.json"): "the network's public keys",
    ("GET", "/.well-known/openid-configuration"): "the authorization server's metadata",
    ("GET", "/auth/login/{organisation_id}"): "starts a browser sign-in at the organisation's "
    "own provider: nothing to read",
    ("GET", "/auth/callback"): "the providers' redirect back, checked against a stored attempt",
    ("POST", "/oauth/token"): "authenticated by the client's secret or a code, not a bearer",
    ("GET", "/oauth/authorize"): "the portal's sign-in; registered redirect URIs only",
    ("POST", "/oauth/revoke"): "revokes the presented token only",
    ("GET", "/auth/organisations"): "names of organisations to sign in with",
}
# Operations whose credential is a secret in the path, not a bearer token (calendar apps and
# mail clients' one-click unsubscribe cannot send one): attacked with a well-formed guess naming
# B (`cal.<B's id>.<random secret>`; `<B's id>.<B's member>.<kind>.<random signature>`), they
# must answer 404 to every caller, whatever Authorization header it sends.
CREDENTIAL_IN_PATH: dict[Operation, str] = {
    ("GET", "/calendar/{token}.ics"): "a member's calendar feed",
    ("GET", "/unsubscribe/{token}"): "a one-click unsubscribe link's page",
    ("POST", "/unsubscribe/{token}"): "a one-click unsubscribe (RFC 8058)",
}

A_PEOPLE = ("A's admin", "A's co-ordinator", "A's member", "A's client")
PEOPLE = ("A's admin", "A's co-ordinator", "A's member")  # members, not integration clients
OK = frozenset({200})


@dataclass(frozen=True)
class Exemption:
    """An operation that is not B's: why, and the status each of A's callers must get (others:
    refused). The answer must show nothing of B but what `shows` allows."""

    reason: str
    answers: dict[str, frozenset[int]]
    shows: frozenset[str] = field(default_factory=frozenset)  # names of B ids it may show


def _for(callers: tuple[str, ...], statuses: frozenset[int]) -> dict[str, frozenset[int]]:
    return dict.fromkeys(callers, statuses)


_DIRECTORY = Exemption(
    "the network's directory of organisations: B's id and name are public to members",
    _for(A_PEOPLE, OK),
    frozenset({"organisation_id", "org_id"}),
)
_OWN = Exemption("the caller's own record; a client is no member", _for(PEOPLE, OK))
EXEMPT: dict[Operation, Exemption] = {
    ("GET", "/organisations"): _DIRECTORY,
    ("GET", "/me"): _OWN,
    ("GET", "/me/profile"): Exemption(
        "the caller's own profile (404 until they have written one); a client is no member",
        _for(PEOPLE, frozenset({200, 404})),
    ),
    ("GET", "/me/export"): _OWN,
    ("GET", "/me/enrolments"): Exemption(
        "the caller's own enrolments (a client has none: an empty list)", _for(A_PEOPLE, OK)
    ),
    ("PUT", "/me/profile"): Exemption(
        "the caller's own profile: naming B's member as their line manager is refused as no "
        "member of their organisation",
        _for(PEOPLE, frozenset({404})),
    ),
    ("DELETE", "/me"): Exemption(
        "erases the caller themselves, and only with `?confirm=<their own id>`: refused without",
        _for(PEOPLE, frozenset({403})),
    ),
    ("GET", "/programmes"): Exemption(
        "the programmes the caller's organisation runs or is offered: none of B's",
        _for(A_PEOPLE, OK),
    ),
    ("POST", "/programmes"): Exemption(
        "A's admin and co-ordinator may design a programme of A's and offer it to B (B must "
        "accept it before any of B's people can enrol); A's member and client (even "
        "with programmes:write) may not",
        _for(("A's admin", "A's co-ordinator"), frozenset({201})),
        frozenset({"organisation_id", "org_id"}),
    ),
    ("GET", "/people"): Exemption(
        "names of people by id: B's member, who shares nothing across organisations, comes "
        "back unnamed",
        _for(A_PEOPLE, OK),
    ),
    ("GET", "/figures/programmes"): Exemption(
        "the programmes whose figures the caller may see: none of B's", _for(A_PEOPLE, OK)
    ),
    ("GET", "/members/me/notification-preferences"): _OWN,
    ("PUT", "/members/me/notification-preferences"): _OWN,
    ("GET", "/webhooks/event-types"): Exemption(
        "the catalogue of webhook event types", _for(A_PEOPLE, OK)
    ),
}
# Body fields that name another record: the B record each is given. A body field ending in
# `_id`/`_ids` that is neither here nor a path parameter's name fails the suite.
BODY_IDS = {
    "line_manager_id": "member_id",
    "mentee_id": "member_id",
    "mentor_id": "member_id",
    "participating_organisations": "organisation_id",
}
# Query parameters that name a record (`member` of GET /people); the others by their own name.
QUERY_IDS = {"member": "person"}
# Filters that try to widen a query to B: ignored or refused, never obeyed.
TRICKS = ("organisation_id", "organisation", "org")


@dataclass(frozen=True)
class Attack:
    """One operation aimed at B: where, with what body and query."""

    service: str
    method: str
    template: str
    url: str
    body: Any
    content: bytes | None  # for operations that take no JSON (CSV imports)


class UnfilledError(Exception):
    """A parameter or field the suite has no record of B for."""


def _example(
    schema: dict[str, Any], components: dict[str, Any], b: TenantB, service: str, name: str = ""
) -> Any:
    """A value for `schema` from its examples (our models give every field one), with B's ids
    in every field that names a record."""
    if name.endswith(("_id", "_ids")) or name in BODY_IDS:
        value = b.id_for(service, BODY_IDS.get(name, name))
        if value is None:
            raise UnfilledError(f"body field {name}")
        many = name.endswith("_ids") or name == "participating_organisations"
        return [value] if many else value
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], components, b, service)
    if "examples" in schema:
        return schema["examples"][0]
    if "default" in schema:
        return schema["default"]
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return _example(option, components, b, service)
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {}).items()
        return {k: _example(v, components, b, service, k) for k, v in properties}
    if kind == "array":
        return [_example(schema.get("items", {}), components, b, service)]
    return {"integer": 1, "number": 1.0, "boolean": True}.get(str(kind), "x")


def _attack(
    service: str,
    base: str,
    method: str,
    template: str,
    operation: dict[str, Any],
    b: TenantB,
    components: dict[str, Any],
) -> Attack:
    """The operation aimed at B's records; UnfilledError names what the suite cannot aim."""
    path = template
    for name in re.findall(r"\{([^}]+)\}", template):
        value = b.id_for(service, name)
        if value is None:
            raise UnfilledError(f"path parameter {{{name}}}")
        path = path.replace("{" + name + "}", value)
    query = dict.fromkeys(TRICKS, b.ids["organisation_id"])
    for parameter in operation.get("parameters", []):
        name = parameter["name"]
        if parameter["in"] == "query":
            value = b.id_for(service, QUERY_IDS.get(name, name))
            if value is not None:
                query[name] = value
            elif name.endswith("_id"):
                raise UnfilledError(f"query parameter {name}")
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    body = _example(schema, components, b, service) if schema else None
    csv = None
    if "text/csv" in content:  # a member import: one row naming B's person
        csv = f"email,display_name\n{b.crowd.persons[0].email},Taken\n".encode()
        body = None
    url = str(httpx.URL(f"{base}{path}", params=query))
    return Attack(service, method, template, url, body, csv)


def _attacks(world: World, b: TenantB) -> tuple[list[Attack], list[str]]:
    """Every non-public operation of every service aimed at B, and what could not be aimed."""
    attacks: list[Attack] = []
    unfilled: list[str] = []
    for service, process in world.services.items():
        spec = httpx.get(f"{process.url}/openapi.json").json()
        components = spec.get("components", {}).get("schemas", {})
        for template, operations in spec["paths"].items():
            for method, operation in operations.items():
                if (method.upper(), template) in PUBLIC:
                    continue
                try:
                    attacks.append(
                        _attack(
                            service,
                            process.url,
                            method.upper(),
                            template,
                            operation,
                            b,
                            components,
                        )
                    )
                except UnfilledError as missing:
                    unfilled.append(f"{method.upper()} {service}{template}: {missing}")
    return attacks, unfilled


def _b_state(world: World, b: TenantB) -> list[Any]:
    """Everything B's people see of B's records: must be the same after the attack."""
    i, admin, people = b.ids, b.crowd.admin, b.crowd.people
    org, rel = i["organisation_id"], f"/relationships/{i['relationship_id']}"
    circle = b.by_service["sessions"]["circle_id"]
    reads: list[tuple[dict[str, Any], str, str]] = [
        (admin, "notifications", f"/organisations/{org}/webhooks"),
        (admin, "notifications", f"/organisations/{org}/webhooks/{i['endpoint_id']}/deliveries"),
        (admin, "registry", f"/organisations/{org}"),
        (admin, "registry", f"/organisations/{org}/members"),
        (admin, "registry", f"/organisations/{org}/clients"),
        (admin, "registry", f"/organisations/{org}/identity-provider"),
        (admin, "registry", f"/programmes/{i['programme_id']}"),
        (admin, "registry", f"/programmes/{i['programme_id']}/enrolments"),
        (admin, "registry", f"/circles/{b.by_service['registry']['circle_id']}"),
        (admin, "matching", f"/programmes/{i['programme_id']}/proposals"),
        (admin, "matching", f"/programmes/{i['programme_id']}/weights"),
        (admin, "sessions", f"/programmes/{i['programme_id']}/relationships"),
        (people[1], "sessions", rel),
        (people[1], "sessions", f"{rel}/agreement"),
        (people[1], "sessions", f"{rel}/meetings"),
        (people[1], "sessions", f"{rel}/logs"),
        (people[1], "sessions", f"{rel}/action-plan"),
        (people[1], "sessions", f"{rel}/messages"),
        (people[1], "sessions", f"/circles/{circle}"),
        (people[1], "sessions", f"/circles/{circle}/sessions"),
        (people[1], "sessions", f"/circles/{circle}/messages"),
        (people[3], "evaluation", "/members/me/surveys"),
        (admin, "evaluation", f"/programmes/{i['programme_id']}/survey-templates"),
        (admin, "evaluation", f"/programmes/{i['programme_id']}/survey-schedule"),
        (admin, "evaluation", f"/programmes/{i['programme_id']}/alerts"),
        (admin, "evaluation", f"/programmes/{i['programme_id']}/alert-thresholds"),
    ]
    state = []
    for who, service, path in reads:
        answer = httpx.get(f"{world.url(service)}{path}", headers=bearer(who), timeout=15)
        assert answer.status_code == 200, f"{service}{path}: {answer.status_code} {answer.text}"
        state.append((service, path, answer.json()))
    return state


def _client_token(world: World) -> dict[str, Any]:
    """A token of an integration client of A's with every scope there is."""
    with world.reader(world.a.admin) as http:
        client = http.post(
            f"{world.url('registry')}/organisations/{world.a.id}/clients",
            json={"name": "A's HR", "scopes": [s.value for s in Scope]},
        ).json()
    token = httpx.post(
        f"{world.url('registry')}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
    )
    assert token.status_code == 200
    return dict(token.json())


def _registry_key(world: World) -> RSAKey:
    """The registry's real current signing key, read as an attacker with the database and the
    secret key would — so the forged tokens below fail on their claims, not their signature."""
    env = world.env
    mongo: MongoClient[dict[str, Any]] = MongoClient(env["MENTORNET_MONGO_URL"], tz_aware=True)
    with mongo:
        keys = mongo[f"{env['MENTORNET_DB_PREFIX']}_registry_network"]["signing_keys"]
        newest = max(keys.find({}), key=lambda d: d["created_at"])
    box = SecretBox(env["MENTORNET_SECRET_KEY"])
    return RSAKey.import_key(json.loads(box.open(newest["private_sealed"], context=newest["_id"])))


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _forged_tokens(world: World, b_id: str) -> dict[str, str]:
    key = _registry_key(world)
    issuer = world.url("registry")
    claims = jwt.decode(world.a.admin["access_token"], key).claims

    def signed(**changes: Any) -> str:
        base = {
            "issuer": issuer,
            "subject": claims["sub"],
            "organisation": b_id,
            "kind": CallerKind.MEMBER,
            "roles": [Role.ORGANISATION_ADMIN],
            "ttl_seconds": 300,
        }
        return issue(key, **{**base, **changes})

    stranger = RSAKey.generate_key(2048, parameters={"kid": str(key.kid)})
    valid_as_b = {**claims, "org": b_id}
    return {
        "wrong key": issue(
            stranger,
            issuer=issuer,
            subject=claims["sub"],
            organisation=b_id,
            kind=CallerKind.MEMBER,
            roles=[Role.ORGANISATION_ADMIN],
            ttl_seconds=300,
        ),
        "alg none": f"{_b64({'alg': 'none', 'kid': key.kid})}.{_b64(valid_as_b)}.",
        "A's token edited to say org B": ".".join(
            [
                world.a.admin["access_token"].split(".")[0],
                _b64(valid_as_b),
                world.a.admin["access_token"].split(".")[2],
            ]
        ),
        "expired": signed(now=time.time() - 3600),
        "wrong audience": jwt.encode(
            {"alg": "RS256", "kid": key.kid},
            {**valid_as_b, "aud": "someone-else", "exp": int(time.time()) + 300},
            key,
        ),
        "wrong issuer": signed(issuer="http://127.0.0.1:1"),
        "provider's ID token": provider_id_token(world, world.a),
        "garbage": "not-a-token",
    }


def _coordinator_of_a(world: World) -> dict[str, Any]:
    """A's member, made a programme co-ordinator by A's admin and signed in afresh (the role is
    taken back when the suite ends)."""
    registry = world.url("registry")
    member = member_id_of(world, world.a.member)
    role = f"{registry}/organisations/{world.a.id}/members/{member}/roles/programme_coordinator"
    granted = httpx.put(role, headers=bearer(world.a.admin), timeout=15)
    assert granted.status_code == 200, granted.text
    return sign_in_tokens(registry, world.a.id, world.a.people["member"])


def _send(http: httpx.Client, attack: Attack, headers: dict[str, str]) -> httpx.Response:
    if attack.content is not None:
        headers = {**headers, "Content-Type": "text/csv"}
        return http.request(attack.method, attack.url, content=attack.content, headers=headers)
    return http.request(attack.method, attack.url, json=attack.body, headers=headers)


def _verdict(attack: Attack, caller: str, response: httpx.Response, b: TenantB) -> str | None:
    """What is wrong with `response` to `caller`'s attack, or None."""
    operation = (attack.method, attack.template)
    trusted = caller in A_PEOPLE
    exemption = EXEMPT.get(operation)
    if operation in CREDENTIAL_IN_PATH:
        expected = frozenset({404})
    elif not trusted:  # a token we do not trust is refused before anything else
        expected = frozenset({401})
    elif exemption is not None and caller in exemption.answers:
        expected = exemption.answers[caller]
    else:
        expected = frozenset({403, 404})
    if response.status_code not in expected:
        return f"{response.status_code}, expected {sorted(expected)}"
    allowed = {b.ids[n] for n in exemption.shows} if exemption and trusted else set()
    # What the request named may come back (a refusal says which record it has not found).
    asked = f"{attack.url} {json.dumps(attack.body)}"
    leaked = sorted(m for m in b.markers() - allowed if m in response.text and m not in asked)
    return f"shows B's {leaked}" if leaked else None


@pytest.fixture(scope="module")
def tenant_b(world: World) -> Iterator[TenantB]:
    """Organisation B with a record of every kind, known to every service."""
    with receiver() as webhook_url:
        yield build_tenant_b(world, webhook_url)


def test_nothing_of_organisation_b_is_reachable_from_organisation_a(
    world: World, tenant_b: TenantB, capsys: pytest.CaptureFixture[str]
) -> None:
    b = tenant_b
    began = time.monotonic()
    attacks, unfilled = _attacks(world, b)
    # A route the suite cannot aim at B is a route nobody attacks: the suite fails on it.
    assert not unfilled, "no record of B to fill:\n" + "\n".join(unfilled)
    before = _b_state(world, b)
    coordinator = _coordinator_of_a(world)
    callers = {
        "A's admin": bearer(world.a.admin),
        "A's co-ordinator": bearer(coordinator),
        "A's member": bearer(world.a.member),
        "A's client": bearer(_client_token(world)),
        "nobody": {},
    }
    callers.update(
        {
            f"forged: {n}": {"Authorization": f"Bearer {t}"}
            for n, t in _forged_tokens(world, b.ids["organisation_id"]).items()
        }
    )

    def attempt(attack: Attack) -> list[str]:
        """Every caller in turn on one operation (A's member and co-ordinator are one person:
        together they would race each other's first write of their own preferences)."""
        found = []
        for caller, headers in callers.items():
            response = _send(http, attack, headers)
            wrong = _verdict(attack, caller, response, b)
            if wrong is not None:
                where = f"{attack.method} {attack.service}{attack.template}"
                found.append(f"{caller}: {where} -> {wrong}: {response.text[:160]}")
        return found

    try:
        # A few operations at a time: the services answer while others are in flight.
        with httpx.Client(timeout=30) as http, ThreadPoolExecutor(max_workers=6) as pool:
            problems = [p for found in pool.map(attempt, attacks) for p in found]
    finally:
        member = member_id_of(world, world.a.member)
        registry = world.url("registry")
        role = f"/organisations/{world.a.id}/members/{member}/roles/programme_coordinator"
        httpx.delete(f"{registry}{role}", headers=bearer(world.a.admin), timeout=15)
    sent = len(attacks) * len(callers)
    after = _b_state(world, b)
    exempt = sum(1 for a in attacks if (a.method, a.template) in EXEMPT)
    with capsys.disabled():  # the counts are part of the suite's report, shown on every run
        print(
            f"\ncross-tenant suite: {len(attacks)} operations attacked ({exempt} of them "
            f"exempt, {len(PUBLIC)} public left out), {sent} attempts, {len(problems)} got "
            f"through, {time.monotonic() - began:.0f} s"
        )
    assert len(attacks) > 120
    assert not problems, "\n".join(problems)
    assert before == after, "organisation B changed"
