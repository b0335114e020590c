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

The network co-ordinator reads (GETs) every one of them too: refused but for the oversight
that is theirs (`NETWORK_READS`).

A second round aims at A's own records: organisation A is built as B is (the same builder), and
A's own admin, co-ordinator, member and client call every operation with a path parameter whose
body or query names a record, with A's records in the path and B's ids in the body and query
(proposing B's people in A's programme, B's meeting in A's log, B's template in A's survey
schedule...): refused (any 4xx but 401) unless `EXEMPT_ON_A` says why B's ids are fine there;
and every path of two parameters or more with A's record first and B's after it (B's meeting
through A's relationship, B's member through A's organisation): refused. Nothing shows B, and
B's records are compared whole before and after both rounds.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
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
from tests.e2e.tenant_b import TenantB, build_tenant, build_tenant_b, eventually, receiver
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
    ("POST", "/feedback/boost"): Exemption(
        "which BOOST letters the sent feedback covers: nothing is read or kept",
        _for(A_PEOPLE, OK),
    ),
    ("GET", "/journal/prompts"): Exemption(
        "the six stages of reflection and their prompts, the same for everyone",
        _for(A_PEOPLE, OK),
    ),
    ("GET", "/webhooks/event-types"): Exemption(
        "the catalogue of webhook event types", _for(A_PEOPLE, OK)
    ),
}
# The second round, on A's own records (`_own_attacks`): what A's callers must get where the B
# the body or query names is no reason to refuse; the others must be refused (REFUSED_ON_A).
EXEMPT_ON_A: dict[Operation, Exemption] = {
    ("GET", "/organisations/{organisation_id}/figures"): Exemption(
        "A's own people's figures, narrowed to B's programme: A's people are in none of its "
        "relationships, so the narrowing only suppresses (a filter never widens what the caller "
        "may see); its other callers are not A's admins",
        {"A's admin": OK},
    ),
    ("GET", "/programmes/{programme_id}/figures"): Exemption(
        "A's programme's figures for its co-ordinators (its creator, A's admin, and the "
        "co-ordinator it was given), narrowed to B's people: none take part, so the narrowing "
        "only suppresses",
        _for(("A's admin", "A's co-ordinator"), OK),
    ),
}
REFUSED_ON_A = frozenset({400, 403, 404, 409, 422})
# A's records carry this word (B's carry tenant_b.MARK).
A_MARK = "aspenwood-2c9e"
# The network co-ordinator (an office's member, of no partner organisation) reads every
# operation of the first round that reads (GET): refused, but for what the network's
# co-ordination is (the reason says what).
NETWORK = "the network co-ordinator"
ANY_ID = "*"  # in `Exemption.shows`: any of B's record ids (still no names, no content)
_OVERSIGHT = frozenset({"organisation_id", "org_id"})
NETWORK_READS: dict[Operation, Exemption] = {
    ("GET", "/organisations/{organisation_id}"): Exemption(
        "the network co-ordinator onboards and oversees the partner organisations: B's profile",
        {NETWORK: OK},
        _OVERSIGHT,
    ),
    ("GET", "/organisations/{organisation_id}/identity-provider"): Exemption(
        "the network co-ordinator names an organisation's first provider, so reads its "
        "configuration (never its secret)",
        {NETWORK: OK},
        _OVERSIGHT,
    ),
    ("GET", "/organisations/{organisation_id}/audit-trail"): Exemption(
        "the network co-ordinator reads every organisation's audit trail: who did what to which "
        "record, by id (never names or content)",
        {NETWORK: OK},
        frozenset({ANY_ID}),
    ),
    ("GET", "/network/statistics"): Exemption(
        "the network's counts, for its co-ordinator: no organisation's records",
        {NETWORK: OK},
    ),
    ("GET", "/network/figures"): Exemption(
        "the network's pooled outcome figures for its co-ordinator, a row per organisation "
        "where suppression allows: B's id as a row's label, never a person",
        {NETWORK: OK},
        _OVERSIGHT,
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


# What an attack is aimed at: B's records only (the first round); A's own path with B's ids in
# its body and query; B's record reached through A's (the first path parameter A's, the rest B's).
AT_B, OWN_PATH, THROUGH_A = "B's", "A's path, B's ids", "B's through A's"


@dataclass(frozen=True)
class Attack:
    """One operation aimed at B: where, with what body and query."""

    service: str
    method: str
    template: str
    url: str
    body: Any
    content: bytes | None  # for operations that take no JSON (CSV imports)
    aimed: str = AT_B  # which records fill it (see the three above)
    names_b: bool = False  # its body or its own query parameters (not TRICKS) hold B's ids


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
    if "examples" in schema and not _holds_ids(schema, components):
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


def _holds_ids(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> bool:
    """Whether a list or object schema has a field naming a record somewhere inside (its
    example's ids, e.g. a survey schedule's template ids, would not be B's)."""
    if depth > 8:
        return False
    if "$ref" in schema:
        resolved = components[schema["$ref"].rsplit("/", 1)[1]]
        return _holds_ids(resolved, components, depth + 1)
    fields = schema.get("properties", {})
    if any(n.endswith(("_id", "_ids")) or n in BODY_IDS for n in fields):
        return True
    inner = [*fields.values(), *schema.get("anyOf", []), schema.get("items", {})]
    return any(_holds_ids(part, components, depth + 1) for part in inner)


def _attack(
    service: str,
    base: str,
    method: str,
    template: str,
    operation: dict[str, Any],
    b: TenantB,
    components: dict[str, Any],
    owner: TenantB | None = None,
    owned: int = 0,
) -> Attack:
    """The operation aimed at B's records — its first `owned` path parameters filled with
    `owner`'s records instead; UnfilledError names what the suite cannot aim."""
    path = template
    for n, name in enumerate(re.findall(r"\{([^}]+)\}", template)):
        value = (owner if owner is not None and n < owned else b).id_for(service, name)
        if value is None:
            raise UnfilledError(f"path parameter {{{name}}}")
        path = path.replace("{" + name + "}", value)
    query = dict.fromkeys(TRICKS, b.ids["organisation_id"])
    declared = {}
    for parameter in operation.get("parameters", []):
        name = parameter["name"]
        if parameter["in"] == "query":
            value = b.id_for(service, QUERY_IDS.get(name, name))
            if value is not None:
                declared[name] = value
            elif name.endswith("_id"):
                raise UnfilledError(f"query parameter {name}")
    query.update(declared)
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    body = _example(schema, components, b, service) if schema else None
    csv = None
    if "text/csv" in content:  # a member import: one row naming B's person
        csv = f"email,display_name\n{b.crowd.persons[0].email},Taken\n".encode()
        body = None
    url = str(httpx.URL(f"{base}{path}", params=query))
    names_b = any(m in json.dumps([body, declared]) for m in b.markers())
    return Attack(service, method, template, url, body, csv, names_b=names_b)


Spec = tuple[str, str, str, str, dict[str, Any], dict[str, Any]]  # service, base, method, ...


def _operations(world: World) -> Iterator[Spec]:
    """Every operation of every service that is not public: service, base URL, method, path
    template, the operation's OpenAPI object and the document's schemas."""
    for service, process in world.services.items():
        spec = httpx.get(f"{process.url}/openapi.json").json()
        components = spec.get("components", {}).get("schemas", {})
        for template, operations in spec["paths"].items():
            for method, operation in operations.items():
                if (method.upper(), template) not in PUBLIC:
                    yield service, process.url, method.upper(), template, operation, components


def _attacks(world: World, b: TenantB) -> tuple[list[Attack], list[str]]:
    """Every non-public operation of every service aimed at B, and what could not be aimed."""
    attacks: list[Attack] = []
    unfilled: list[str] = []
    for service, base, method, template, operation, components in _operations(world):
        try:
            attacks.append(_attack(service, base, method, template, operation, b, components))
        except UnfilledError as missing:
            unfilled.append(f"{method} {service}{template}: {missing}")
    return attacks, unfilled


def _own_attacks(world: World, a: TenantB, b: TenantB) -> tuple[list[Attack], list[str]]:
    """The second round, on A's own paths: every operation with a path parameter whose body or
    query names a record, its path filled with A's records and its body and query with B's
    ("A's path, B's ids"); and every path of two parameters or more with its first filled with
    A's record and the others with B's ("B's through A's")."""
    attacks: list[Attack] = []
    unfilled: list[str] = []
    for service, base, method, template, operation, components in _operations(world):
        names = re.findall(r"\{([^}]+)\}", template)
        if not names or (method, template) in CREDENTIAL_IN_PATH:
            continue
        spec = (service, base, method, template, operation, b, components, a)
        try:
            own = _attack(*spec, owned=len(names))
            if own.names_b:
                attacks.append(dataclasses.replace(own, aimed=OWN_PATH))
            if len(names) > 1:
                attacks.append(dataclasses.replace(_attack(*spec, owned=1), aimed=THROUGH_A))
        except UnfilledError as missing:
            unfilled.append(f"{method} {service}{template} (A's side): {missing}")
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
        (people[1], "sessions", f"/circles/{circle}/concerns"),
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


def _client_token(world: World, organisation: str, admin: dict[str, Any]) -> dict[str, Any]:
    """A token of an integration client of `organisation`'s with every scope there is."""
    with world.reader(admin) as http:
        client = http.post(
            f"{world.url('registry')}/organisations/{organisation}/clients",
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


def _coordinator_of(
    world: World, organisation: str, admin: dict[str, Any], member: dict[str, Any], person: Any
) -> dict[str, Any]:
    """`organisation`'s `member` (signing in as `person`), made a programme co-ordinator by its
    admin and signed in afresh (the role is taken back when the suite ends)."""
    registry = world.url("registry")
    member_id = member_id_of(world, member)
    role = (
        f"{registry}/organisations/{organisation}/members/{member_id}/roles/programme_coordinator"
    )
    granted = httpx.put(role, headers=bearer(admin), timeout=15)
    assert granted.status_code == 200, granted.text
    return sign_in_tokens(registry, organisation, person)


def _callers_of(world: World, a: TenantB) -> dict[str, dict[str, str]]:
    """The second round's callers, A's own: its admin, a member given the role and made
    co-ordinator of A's programme (so they try what its co-ordinators may), the mentee of A's
    relationship, and a client with every scope."""
    own, registry = a.crowd, world.url("registry")
    coordinator = _coordinator_of(world, own.id, own.admin, own.people[0], own.persons[0])
    coordinates = httpx.put(
        f"{registry}/programmes/{a.ids['programme_id']}/coordinators/"
        f"{member_id_of(world, own.people[0])}",
        headers=bearer(own.admin),
        timeout=15,
    )
    assert coordinates.status_code == 200, coordinates.text
    return {
        "A's admin": bearer(own.admin),
        "A's co-ordinator": bearer(coordinator),
        "A's member": bearer(own.people[1]),
        "A's client": bearer(_client_token(world, own.id, own.admin)),
    }


def _followed(world: World, a: TenantB, callers: dict[str, dict[str, str]]) -> None:
    """Wait until sessions, matching and evaluation have heard that A's co-ordinator
    co-ordinates A's programme: each shows them what only its co-ordinators see."""
    programme = f"/programmes/{a.ids['programme_id']}"
    for service, path in (
        ("sessions", f"{programme}/relationships"),
        ("matching", f"{programme}/candidate-pool"),
        ("evaluation", f"{programme}/figures"),
    ):
        url = f"{world.url(service)}{path}"
        eventually(
            partial(_shows, url, callers["A's co-ordinator"]), f"{service} knows A's co-ordinator"
        )


def _shows(url: str, headers: dict[str, str]) -> bool:
    """Whether the caller with `headers` reads `url` with a 200."""
    return httpx.get(url, headers=headers, timeout=15).status_code == 200


def _send(http: httpx.Client, attack: Attack, headers: dict[str, str]) -> httpx.Response:
    if attack.content is not None:
        headers = {**headers, "Content-Type": "text/csv"}
        return http.request(attack.method, attack.url, content=attack.content, headers=headers)
    return http.request(attack.method, attack.url, json=attack.body, headers=headers)


def _verdict(attack: Attack, caller: str, response: httpx.Response, b: TenantB) -> str | None:
    """What is wrong with `response` to `caller`'s attack, or None."""
    operation = (attack.method, attack.template)
    trusted = caller in (*A_PEOPLE, NETWORK)
    table = EXEMPT if attack.aimed == AT_B else EXEMPT_ON_A if attack.aimed == OWN_PATH else {}
    if caller == NETWORK:
        table = NETWORK_READS
    exemption = table.get(operation)
    if operation in CREDENTIAL_IN_PATH:
        expected = frozenset({404})
    elif not trusted:  # a token we do not trust is refused before anything else
        expected = frozenset({401})
    elif exemption is not None and caller in exemption.answers:
        expected = exemption.answers[caller]
    elif attack.aimed == OWN_PATH:  # A's own record, refused for the B it names
        expected = REFUSED_ON_A
    else:
        expected = frozenset({403, 404})
    if response.status_code not in expected:
        return f"{response.status_code}, expected {sorted(expected)}"
    allowed = {b.ids[n] for n in exemption.shows if n != ANY_ID} if exemption and trusted else set()
    if exemption and trusted and ANY_ID in exemption.shows:
        allowed = b.markers() - {b.mark, *b.names}
    # What the request named may come back (a refusal says which record it has not found).
    asked = f"{attack.url} {json.dumps(attack.body)}"
    leaked = sorted(m for m in b.markers() - allowed if m in response.text and m not in asked)
    return f"shows B's {leaked}" if leaked else None


@pytest.fixture(scope="module")
def tenant_b(world: World) -> Iterator[TenantB]:
    """Organisation B with a record of every kind, known to every service."""
    with receiver() as webhook_url:
        yield build_tenant_b(world, webhook_url)


@pytest.fixture(scope="module")
def tenant_a(world: World, tenant_b: TenantB) -> Iterator[TenantB]:
    """For the second round: an organisation A built as B is, so that every path has A's own
    record to fill it (the world's A has people but few records)."""
    with receiver() as webhook_url:
        yield build_tenant(world, webhook_url, "Aspen", A_MARK)


def _attempts(
    http: httpx.Client, attack: Attack, callers: dict[str, dict[str, str]], b: TenantB
) -> list[str]:
    """Every caller in turn on one operation (A's member and co-ordinator are one person:
    together they would race each other's first write of their own preferences)."""
    found = []
    for caller, headers in callers.items():
        response = _send(http, attack, headers)
        wrong = _verdict(attack, caller, response, b)
        if wrong is not None:
            where = f"{attack.method} {attack.service}{attack.template} [{attack.aimed}]"
            found.append(f"{caller}: {where} -> {wrong}: {response.text[:160]}")
    return found


def _run(attacks: list[Attack], callers: dict[str, dict[str, str]], b: TenantB) -> list[str]:
    """Every attack by every caller, a few operations at a time (the services answer while
    others are in flight); what got through."""
    with httpx.Client(timeout=30) as http, ThreadPoolExecutor(max_workers=6) as pool:
        found = pool.map(lambda attack: _attempts(http, attack, callers, b), attacks)
        return [problem for problems in found for problem in problems]


def test_nothing_of_organisation_b_is_reachable_from_organisation_a(
    world: World, tenant_b: TenantB, tenant_a: TenantB, capsys: pytest.CaptureFixture[str]
) -> None:
    b, a = tenant_b, tenant_a
    began = time.monotonic()
    attacks, unfilled = _attacks(world, b)
    on_a, unfilled_on_a = _own_attacks(world, a, b)
    # A route the suite cannot aim is a route nobody attacks: the suite fails on it.
    assert not unfilled + unfilled_on_a, "no record to fill:\n" + "\n".join(
        unfilled + unfilled_on_a
    )
    before = _b_state(world, b)
    callers_on_a = _callers_of(world, a)
    registry, a_member = world.url("registry"), world.a.member
    coordinator = _coordinator_of(
        world, world.a.id, world.a.admin, a_member, world.a.people["member"]
    )
    callers = {
        "A's admin": bearer(world.a.admin),
        "A's co-ordinator": bearer(coordinator),
        "A's member": bearer(a_member),
        "A's client": bearer(_client_token(world, world.a.id, world.a.admin)),
        "nobody": {},
    }
    callers.update(
        {
            f"forged: {n}": {"Authorization": f"Bearer {t}"}
            for n, t in _forged_tokens(world, b.ids["organisation_id"]).items()
        }
    )
    try:
        problems = _run(attacks, callers, b)
    finally:
        member = member_id_of(world, a_member)
        role = f"/organisations/{world.a.id}/members/{member}/roles/programme_coordinator"
        httpx.delete(f"{registry}{role}", headers=bearer(world.a.admin), timeout=15)
    # The network co-ordinator reads everything of B's there is to read.
    reads = [x for x in attacks if x.method == "GET" and (x.method, x.template) not in EXEMPT]
    problems += _run(reads, {NETWORK: bearer(world.coordinator)}, b)
    # The second round: A's own people on A's own records, naming B's.
    _followed(world, a, callers_on_a)
    problems += _run(on_a, callers_on_a, b)
    sent = len(attacks) * len(callers) + len(reads) + len(on_a) * len(callers_on_a)
    after = _b_state(world, b)
    exempt = sum(1 for x in attacks if (x.method, x.template) in EXEMPT)
    own_path = [x for x in on_a if x.aimed == OWN_PATH]
    allowed = sum(1 for x in own_path if (x.method, x.template) in EXEMPT_ON_A)
    with capsys.disabled():  # the counts are part of the suite's report, shown on every run
        print(
            f"\ncross-tenant suite: {len(attacks)} operations attacked ({exempt} of them "
            f"exempt, {len(PUBLIC)} public left out; the network co-ordinator read "
            f"{len(reads)} of them, {len(NETWORK_READS)} allowed), then on A's own records "
            f"{len(own_path)} with B's ids in body or query ({allowed} of them allowed) and "
            f"{len(on_a) - len(own_path)} reaching B's through A's; {sent} attempts, "
            f"{len(problems)} got through, {time.monotonic() - began:.0f} s"
        )
    assert len(attacks) > 120
    assert len(own_path) >= 8 and len(on_a) - len(own_path) > 30
    assert not problems, "\n".join(problems)
    assert before == after, "organisation B changed"
