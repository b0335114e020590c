"""The cross-tenant suite: with what organisation A has — its admin's, its member's and its
integration client's tokens — and with forged tokens, try every route of every service on
organisation B's resources. Every attempt must fail with 401, 403 or 404 and change nothing.

The attempts are generated from the services' OpenAPI documents, so a new route is covered
without anyone remembering to add it.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from pymongo import MongoClient

from deploy.localnet.identity import bearer
from shared.auth.principal import CallerKind, Role
from shared.auth.tokens import issue
from shared.secrets import SecretBox
from tests.e2e.conftest import World, provider_id_token

# Routes anyone may call: they carry no organisation's data.
PUBLIC = {
    "/healthz",
    "/readyz",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/.well-known/jwks.json",
    "/.well-known/openid-configuration",
    "/auth/callback",
    "/auth/login/{organisation_id}",
    "/oauth/token",
    # the authorization server's browser-facing routes (the web app's sign-in): they carry no
    # organisation's data; the list of organisations to sign in with is names only
    "/oauth/authorize",
    "/oauth/revoke",
    "/auth/organisations",
}
# Routes that answer any signed-in caller with network-public or the caller's own data.
NOT_ORGANISATION_SCOPED = {
    "/organisations",
    "/me",
    "/me/profile",
    "/me/export",
    "/me/enrolments",
    "/programmes",
    # names of people by id: B's people come back unnamed (test_people_are_named_by_consent)
    "/people",
    # evaluation: the programmes whose figures the caller may see (theirs only; empty for most)
    "/figures/programmes",
    # notifications: the caller's own e-mail choices; the catalogue of webhook event types
    "/members/me/notification-preferences",
    "/webhooks/event-types",
}
# Routes whose credential is a secret in the path, not a bearer token (calendar apps and mail
# clients' one-click unsubscribe cannot send one): attacked with a guess naming B
# (`cal.<B's id>.<random secret>`), they must answer 404 to every caller, whatever
# Authorization header it sends.
CREDENTIAL_IN_PATH = {"/calendar/{token}.ics", "/unsubscribe/{token}"}
REFUSED = {401, 403, 404}


@dataclass(frozen=True)
class Attempt:
    """One request a suspicious caller makes."""

    service: str
    method: str
    path: str
    body: Any
    caller: str


def _example(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """A value for `schema` built from its examples (our models give every field one)."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if "examples" in schema:
        return schema["examples"][0]
    if "default" in schema:
        return schema["default"]
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return _example(option, components)
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {k: _example(v, components) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [_example(schema.get("items", {}), components)]
    return {"integer": 1, "number": 1.0, "boolean": True}.get(str(kind), "x")


def _routes(world: World) -> list[tuple[str, str, str, Any]]:
    """(service, method, path template, example body) for every route of every service."""
    routes = []
    for service, process in world.services.items():
        spec = httpx.get(f"{process.url}/openapi.json").json()
        components = spec.get("components", {}).get("schemas", {})
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                content = operation.get("requestBody", {}).get("content", {})
                schema = content.get("application/json", {}).get("schema")
                body = _example(schema, components) if schema else None
                routes.append((service, method.upper(), path, body))
    return routes


def _b_resources(world: World) -> dict[str, str]:
    """Ids of organisation B's resources, as B's own admin sees them."""
    with world.reader(world.b.admin) as http:
        registry = world.url("registry")
        members = http.get(f"{registry}/organisations/{world.b.id}/members").json()
        client = http.post(
            f"{registry}/organisations/{world.b.id}/clients",
            json={"name": "B's LMS", "scopes": ["members:read"]},
        ).json()
        programme = http.post(
            f"{registry}/programmes",
            json={
                "name": "B's own circles",
                "purpose": "Peer learning inside B",
                "goals": ["reflect"],
                "model": "peer_circle",
                "starts_on": "2027-01-04",
                "ends_on": "2027-06-28",
                "meeting_every_days": 14,
                "min_meeting_minutes": 60,
                "max_meeting_minutes": 90,
            },
        ).json()
        opened = http.post(
            f"{registry}/programmes/{programme['id']}/status", json={"status": "open"}
        )
        assert opened.status_code == 200, opened.text
        circle = http.post(
            f"{registry}/programmes/{programme['id']}/circles", json={"name": "B circle"}
        ).json()
        trial = http.post(
            f"{registry}/organisations/{world.b.id}/identity-provider/trials",
            json={
                "issuer": world.b.provider.issuer,
                "client_id": "mentornet",
                "client_secret": world.b.provider.client_secret,
            },
        ).json()
        job = http.post(
            f"{registry}/organisations/{world.b.id}/members/import-jobs",
            content="email,display_name\nb.imported@b.example,B Imported\n",
            headers={"Content-Type": "text/csv"},
        ).json()
        job_url = f"{registry}/organisations/{world.b.id}/members/import-jobs/{job['id']}"
        deadline = time.monotonic() + 60  # B's state is read next: the import must be over
        while http.get(job_url).json()["state"] == "running":
            assert time.monotonic() < deadline, "B's import is still running"
            time.sleep(0.1)
        endpoint = http.post(
            f"{world.url('notifications')}/organisations/{world.b.id}/webhooks",
            json={"url": "http://127.0.0.1:9/b-hr", "event_types": ["member.registered"]},
        )
        assert endpoint.status_code == 201, endpoint.text
    return {
        "organisation_id": world.b.id,
        "member_id": members[-1]["id"],
        "client_id": client["client_id"],
        "programme_id": programme["id"],
        "circle_id": circle["id"],
        "trial_id": trial["id"],
        "job_id": job["id"],
        "endpoint_id": endpoint.json()["id"],
        "delivery_id": f"msg_{secrets.token_hex(16)}",
        "role": Role.PROGRAMME_COORDINATOR.value,
        "token": f"cal.{world.b.id}.{secrets.token_urlsafe(32)}",
    }


def _b_state(world: World) -> list[Any]:
    """Everything B's admin can see of B: must be the same after the attack."""
    registry, evaluation = world.url("registry"), world.url("evaluation")
    webhooks = f"{world.url('notifications')}/organisations/{world.b.id}/webhooks"
    with world.reader(world.b.admin) as http:
        return [
            http.get(webhooks).json(),
            http.get(f"{registry}/organisations/{world.b.id}").json(),
            http.get(f"{registry}/organisations/{world.b.id}/members").json(),
            http.get(f"{registry}/organisations/{world.b.id}/clients").json(),
            http.get(f"{registry}/organisations/{world.b.id}/identity-provider").json(),
            http.get(f"{evaluation}/organisations/{world.b.id}/statistics").json(),
            http.get(f"{registry}/programmes").json(),
            [
                http.get(f"{registry}/programmes/{p['id']}/circles").json()
                for p in http.get(f"{registry}/programmes").json()
            ],
        ]


def _client_token(world: World) -> dict[str, Any]:
    with world.reader(world.a.admin) as http:
        client = http.post(
            f"{world.url('registry')}/organisations/{world.a.id}/clients",
            json={"name": "A's HR", "scopes": ["members:read", "members:write"]},
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


def _forged_tokens(world: World) -> dict[str, str]:
    key = _registry_key(world)
    issuer = world.url("registry")
    claims = jwt.decode(world.a.admin["access_token"], key).claims

    def signed(**changes: Any) -> str:
        base = {
            "issuer": issuer,
            "subject": claims["sub"],
            "organisation": world.b.id,
            "kind": CallerKind.MEMBER,
            "roles": [Role.ORGANISATION_ADMIN],
            "ttl_seconds": 300,
        }
        return issue(key, **{**base, **changes})

    stranger = RSAKey.generate_key(2048, parameters={"kid": str(key.kid)})
    valid_as_b = {**claims, "org": world.b.id}
    return {
        "wrong key": issue(
            stranger,
            issuer=issuer,
            subject=claims["sub"],
            organisation=world.b.id,
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


def _path(template: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        template = template.replace("{" + name + "}", value)
    return template


def test_nothing_of_organisation_b_is_reachable_from_organisation_a(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = _b_resources(world)
    before = _b_state(world)
    b_markers = set(ids.values()) - {ids["role"], ids["token"]}
    callers = {
        "A's admin": bearer(world.a.admin),
        "A's member": bearer(world.a.member),
        "A's client": bearer(_client_token(world)),
        "nobody": {},
    }
    callers.update(
        {f"forged: {n}": {"Authorization": f"Bearer {t}"} for n, t in _forged_tokens(world).items()}
    )
    # Filters that try to widen a query to B: ignored or refused, never obeyed.
    tricks = {"organisation_id": world.b.id, "organisation": world.b.id, "org": world.b.id}

    attempts = failures = 0
    problems: list[str] = []
    for service, method, template, body in _routes(world):
        if template in PUBLIC:
            continue
        url = f"{world.url(service)}{_path(template, ids)}?{urlencode(tricks)}"
        for caller, headers in callers.items():
            response = httpx.request(method, url, json=body, headers=headers, timeout=15)
            attempts += 1
            own_or_public = template in NOT_ORGANISATION_SCOPED and not caller.startswith(
                ("forged", "nobody")
            )
            if own_or_public and response.status_code < 500:
                leaked = [m for m in b_markers - {world.b.id} if m in response.text]
                if not leaked:
                    continue
            # A token we do not trust is refused before anything else: 401, always.
            expected = {401} if caller.startswith(("forged", "nobody")) else REFUSED
            if template in CREDENTIAL_IN_PATH:
                expected = {404}
            if response.status_code not in expected:
                failures += 1
                problems.append(
                    f"{caller}: {method} {service}{template} -> "
                    f"{response.status_code} {response.text[:120]}"
                )
    after = _b_state(world)
    with capsys.disabled():  # the count is part of the suite's report, shown on every run
        print(f"\ncross-tenant suite: {attempts} attempts, {failures} got through")
    assert attempts > 100
    assert not problems, "\n".join(problems)
    assert before == after, "organisation B changed"
