"""Signing keys rotate; a replaced key verifies its tokens until they expire; verifiers refetch
the published keys when they meet a key id they do not know."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from fastapi import FastAPI
from pymongo import AsyncMongoClient

from services.registry.adapters.signing_keys import SigningKeys
from shared.auth.http import Caller, TokenVerifier
from shared.auth.keys import RemoteJwks
from shared.auth.principal import CallerKind, Role
from shared.auth.tokens import InvalidTokenError, issue
from shared.clock import now
from shared.http.errors import install_error_handlers
from shared.mongo.databases import Document, ServiceDatabases
from shared.secrets import SecretBox, new_secret_key
from shared.settings import ServiceSettings
from shared.tenancy import TenantData

ISSUER = "http://registry.test"


class _Clock:
    """Time that moves only when the test moves it (the grace and refetch periods are checked
    on either side of their ends, however slow the machine)."""

    def __init__(self) -> None:
        self.at = now()
        self.seconds = 1000.0

    def __call__(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)
        self.seconds += seconds


def _keys(
    settings: ServiceSettings,
    mongo: AsyncMongoClient[Document],
    grace: float,
    clock: _Clock | None = None,
) -> SigningKeys:
    data = TenantData(ServiceDatabases(mongo, settings.db_prefix, "registry"))
    return SigningKeys(
        data,
        SecretBox(new_secret_key()),
        rotation=timedelta(hours=1),
        grace=timedelta(seconds=grace),
        clock=clock or _Clock(),
    )


async def _token(keys: SigningKeys) -> str:
    return issue(
        await keys.current(),
        issuer=ISSUER,
        subject="mem_0000000000000001",
        organisation="org_000000000001",
        kind=CallerKind.MEMBER,
        roles=[Role.MEMBER],
        ttl_seconds=60,
    )


async def test_a_replaced_key_verifies_until_its_grace_ends(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    clock = _Clock()
    keys = _keys(settings, mongo, grace=1.5, clock=clock)
    verifier = TokenVerifier(keys, ISSUER)
    await keys.rotate_if_due()
    await keys.rotate_if_due()  # not due: still one key
    assert len((await keys.jwks())["keys"]) == 1
    old_token = await _token(keys)

    clock.advance(60)
    await keys.rotate_if_due(force=True)
    new_token = await _token(keys)
    published = [k["kid"] for k in (await keys.jwks())["keys"]]
    assert len(published) == 2
    assert (await verifier.principal(old_token)).subject == "mem_0000000000000001"
    assert (await verifier.principal(new_token)).organisation == "org_000000000001"
    assert "private" not in json.dumps(await keys.jwks())
    assert '"d"' not in json.dumps(await keys.jwks())  # no private RSA exponent

    clock.advance(1.4)  # inside the grace: both published still
    assert [k["kid"] for k in (await keys.jwks())["keys"]] == published
    clock.advance(0.2)  # past it
    assert [k["kid"] for k in (await keys.jwks())["keys"]] == published[1:]
    with pytest.raises(InvalidTokenError, match="unknown key id"):
        await verifier.principal(old_token)
    assert (await verifier.principal(new_token)).subject == "mem_0000000000000001"


class _JwksServer:
    """The registry's JWKS endpoint as a verifier sees it: a real HTTP server."""

    def __init__(self) -> None:
        self.document: dict[str, object] = {"keys": []}
        self.requests = 0
        self.status = 200
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                body = json.dumps(owner.document).encode()
                self.send_response(owner.status)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"


@pytest.fixture
def jwks_server() -> Iterator[_JwksServer]:
    server = _JwksServer()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()


async def test_a_verifier_refetches_the_keys_once_on_an_unknown_kid(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document], jwks_server: _JwksServer
) -> None:
    clock = _Clock()
    keys = _keys(settings, mongo, grace=60, clock=clock)
    await keys.rotate_if_due()
    jwks_server.document = await keys.jwks()
    remote = RemoteJwks(jwks_server.url, min_refresh_seconds=0.5, monotonic=clock.monotonic)
    verifier = TokenVerifier(remote, ISSUER)
    await verifier.principal(await _token(keys))
    await verifier.principal(await _token(keys))
    assert jwks_server.requests == 1, "cached: no fetch per request"

    clock.advance(1)
    await keys.rotate_if_due(force=True)
    jwks_server.document = await keys.jwks()
    clock.advance(0.6)
    rotated = await _token(keys)
    assert (await verifier.principal(rotated)).subject == "mem_0000000000000001"
    assert jwks_server.requests == 2, "one refetch for the new kid"

    # A flood of tokens with made-up key ids cannot make it hammer the registry.
    _, payload, signature = rotated.split(".")

    async def flood() -> None:
        for n in range(20):
            claims = json.dumps({"alg": "RS256", "kid": f"made-up-{n}"}).encode()
            header = base64.urlsafe_b64encode(claims).rstrip(b"=").decode()
            with pytest.raises(InvalidTokenError, match="unknown key id"):
                await verifier.principal(f"{header}.{payload}.{signature}")

    await flood()
    assert jwks_server.requests == 2, "no refetch within min_refresh_seconds of the last"
    clock.advance(0.4)
    await flood()
    assert jwks_server.requests == 2, "nor 0.4 s later"
    clock.advance(0.1)
    await flood()
    assert jwks_server.requests == 3, "then one, not twenty"


async def test_a_verifier_drops_a_retired_key_once_its_copy_is_old(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document], jwks_server: _JwksServer
) -> None:
    # The registry keeps publishing a replaced key for its grace (here 1 s), then drops it.
    clock = _Clock()
    keys = _keys(settings, mongo, grace=1.0, clock=clock)
    await keys.rotate_if_due()
    jwks_server.document = await keys.jwks()
    source = RemoteJwks(
        jwks_server.url, min_refresh_seconds=0.2, max_age_seconds=1.0, monotonic=clock.monotonic
    )
    verifier = TokenVerifier(source, ISSUER)
    old_token = await _token(keys)
    await verifier.principal(old_token)

    await keys.rotate_if_due(force=True)
    clock.advance(1.2)  # past the grace: the registry no longer publishes the old key
    jwks_server.document = await keys.jwks()
    assert len(jwks_server.document["keys"]) == 1  # type: ignore[arg-type]
    # The verifier only saw tokens of a key it knew, yet its copy is now too old: reread,
    # and the retired key no longer verifies anything.
    with pytest.raises(InvalidTokenError):
        await verifier.principal(old_token)
    assert (await verifier.principal(await _token(keys))).subject == "mem_0000000000000001"

    # A registry that cannot be reached does not lock anyone out: the keys held are kept.
    jwks_server.document = {"broken": True}
    clock.advance(1.2)
    assert (await verifier.principal(await _token(keys))).subject == "mem_0000000000000001"


async def test_a_service_that_cannot_fetch_the_keys_yet_answers_503_not_500(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document], jwks_server: _JwksServer
) -> None:
    """An instance started while the registry is down holds no keys: it cannot check any
    token, says so with 503 and Retry-After, and verifies as soon as the keys can be had."""
    keys = _keys(settings, mongo, grace=60)
    await keys.rotate_if_due()
    jwks_server.document = await keys.jwks()
    jwks_server.status = 503
    app = FastAPI()
    install_error_handlers(app)
    app.state.token_verifier = TokenVerifier(RemoteJwks(jwks_server.url), ISSUER)

    @app.get("/me")
    async def me(caller: Caller) -> dict[str, str]:
        return {"subject": caller.subject}

    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {await _token(keys)}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        refused = await client.get("/me", headers=headers)
        assert refused.status_code == 503
        assert refused.headers["Retry-After"].isdigit()
        assert refused.json()["error"] == "unavailable"
        assert "signing keys" in refused.json()["detail"]

        jwks_server.status = 200
        answered = await client.get("/me", headers=headers)
        assert answered.status_code == 200, answered.text
        assert answered.json() == {"subject": "mem_0000000000000001"}
