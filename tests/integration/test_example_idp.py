"""Two example OpenID providers as real processes, and a relying party's side of the flow.

Each provider runs `python -m deploy.example_idp` on a free loopback port with its own
issuer, key and users. The tests act as the relying party with httpx: an authorization
request with PKCE (S256), state and nonce; the login form, through `sign_in`; the code
exchange; and the ID token, verified with joserfc against the provider's JWKS. The
redirect_uri is a free port where nothing listens: `sign_in(stop_at=...)` hands back the
redirect to it, whose Location carries the code and state.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError
from joserfc.jwk import KeySet, RSAKey
from joserfc.jwt import JWTClaimsRegistry

from deploy.example_idp.process import IdpProcess
from deploy.example_idp.sign_in import PasswordRefusedError, sign_in


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Person:
    username: str
    password: str
    sub: str
    email: str
    name: str


@dataclass(frozen=True)
class Provider:
    """A running provider, and the relying party's registration with it."""

    process: IdpProcess
    client_id: str
    client_secret: str
    redirect_uri: str
    person: Person

    @property
    def issuer(self) -> str:
        return self.process.issuer

    def discovery(self) -> dict[str, Any]:
        r = httpx.get(f"{self.process.url}/.well-known/openid-configuration", timeout=5)
        r.raise_for_status()
        data: dict[str, Any] = r.json()
        return data

    def jwks(self) -> dict[str, Any]:
        r = httpx.get(self.discovery()["jwks_uri"], timeout=5)
        r.raise_for_status()
        data: dict[str, Any] = r.json()
        return data


@dataclass(frozen=True)
class AuthRequest:
    """What the relying party keeps between the redirect and the callback."""

    url: str
    state: str
    nonce: str
    code_verifier: str


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_request(provider: Provider, **override: str | None) -> AuthRequest:
    """A fresh authorization request (PKCE S256, state, nonce); `override` changes or
    (with None) drops parameters."""
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    verifier = secrets.token_urlsafe(48)
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": provider.redirect_uri,
        "scope": "openid email profile",
        "state": state,
        "nonce": nonce,
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
    }
    params.update(override)
    query = urlencode({k: v for k, v in params.items() if v is not None})
    endpoint = provider.discovery()["authorization_endpoint"]
    return AuthRequest(f"{endpoint}?{query}", state, nonce, verifier)


def callback_params(response: httpx.Response, provider: Provider) -> dict[str, str]:
    """The query of a redirect to the redirect_uri (single-valued)."""
    assert response.status_code in (302, 303), response.text
    location = response.headers["location"]
    assert location.startswith(provider.redirect_uri + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def get_code(provider: Provider, client: httpx.Client) -> tuple[AuthRequest, str]:
    """Through the login form to a code; the state is checked on the way back."""
    req = authorization_request(provider)
    final = sign_in(
        client,
        req.url,
        provider.person.username,
        provider.person.password,
        stop_at=provider.redirect_uri,
    )
    params = callback_params(final, provider)
    assert params["state"] == req.state
    return req, params["code"]


def exchange(provider: Provider, code: str, code_verifier: str | None) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": provider.redirect_uri}
    if code_verifier is not None:
        data["code_verifier"] = code_verifier
    return httpx.post(
        provider.discovery()["token_endpoint"],
        data=data,
        auth=(provider.client_id, provider.client_secret),
        timeout=5,
    )


def verify_id_token(
    id_token: str, jwks: dict[str, Any], issuer: str, client_id: str, nonce: str
) -> dict[str, Any]:
    """Signature (RS256, the JWKS key named by `kid`), then iss, aud, exp, iat and nonce."""
    keys = KeySet.import_key_set({"keys": jwks["keys"]})
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    assert token.header["alg"] == "RS256"
    assert token.header["kid"] in {k["kid"] for k in jwks["keys"]}
    JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    ).validate(token.claims)
    claims: dict[str, Any] = token.claims
    # The same checks, spelled out.
    assert claims["iss"] == issuer
    assert claims["aud"] == client_id or client_id in claims["aud"]
    assert claims["exp"] > time.time()
    assert claims["nonce"] == nonce
    return claims


@pytest.fixture(scope="module")
def providers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Provider]]:
    """Two providers: Northshore (alice) and Riverside (bob), each with its own key."""
    work = tmp_path_factory.mktemp("idps")
    people = {
        "northshore": Person(
            "alice",
            "alice-pw-" + secrets.token_hex(4),
            "u-alice",
            "alice@northshore.example",
            "Alice Smith",
        ),
        "riverside": Person(
            "bob",
            "bob-pw-" + secrets.token_hex(4),
            "u-bob",
            "bob@riverside.example",
            "Bob Jones",
        ),
    }
    started: dict[str, Provider] = {}
    try:
        for org, person in people.items():
            port = _free_port()
            redirect_uri = f"http://127.0.0.1:{_free_port()}/auth/callback"
            client_id, secret = f"mentornet-{org}", secrets.token_urlsafe(24)
            config = {
                "issuer": f"http://127.0.0.1:{port}",
                "name": f"{org.title()} sign-in",
                "clients": [
                    {
                        "client_id": client_id,
                        "client_secret": secret,
                        "redirect_uris": [redirect_uri],
                    }
                ],
                "users": [
                    {
                        "username": person.username,
                        "password": person.password,
                        "sub": person.sub,
                        "email": person.email,
                        "name": person.name,
                    }
                ],
            }
            process = IdpProcess(config, port, work, name=org).start()
            started[org] = Provider(process, client_id, secret, redirect_uri, person)
        for provider in started.values():
            provider.process.wait_ready()
        yield started
    finally:
        for provider in started.values():
            assert provider.process.stop() == 0, provider.process.log_tail()


ORGS = ["northshore", "riverside"]


def test_discovery_documents_describe_two_distinct_providers(
    providers: dict[str, Provider],
) -> None:
    a, b = (providers[o].discovery() for o in ORGS)
    for doc, provider in ((a, providers["northshore"]), (b, providers["riverside"])):
        assert doc["issuer"] == provider.issuer
        assert doc["response_types_supported"] == ["code"]
        assert doc["code_challenge_methods_supported"] == ["S256"]
        assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
        assert doc["subject_types_supported"] == ["public"]
        assert set(doc["token_endpoint_auth_methods_supported"]) == {
            "client_secret_basic",
            "client_secret_post",
        }
        assert set(doc["scopes_supported"]) == {"openid", "email", "profile"}
    assert a["issuer"] != b["issuer"]
    kids_a = {k["kid"] for k in providers["northshore"].jwks()["keys"]}
    kids_b = {k["kid"] for k in providers["riverside"].jwks()["keys"]}
    assert kids_a and kids_b and not kids_a & kids_b
    for key in providers["northshore"].jwks()["keys"]:
        assert "d" not in key  # public half only


@pytest.mark.parametrize("org", ORGS)
def test_code_flow_with_pkce_gives_a_verified_id_token(
    providers: dict[str, Provider], org: str
) -> None:
    provider = providers[org]
    with httpx.Client(timeout=5) as browser:
        req, code = get_code(provider, browser)

    before = int(time.time())
    r = exchange(provider, code, req.code_verifier)
    assert r.status_code == 200, r.text
    tokens = r.json()
    assert tokens["token_type"].lower() == "bearer"
    assert "refresh_token" not in tokens

    claims = verify_id_token(
        tokens["id_token"], provider.jwks(), provider.issuer, provider.client_id, req.nonce
    )
    person = provider.person
    assert claims["sub"] == person.sub
    assert claims["email"] == person.email
    assert claims["email_verified"] is True
    assert claims["name"] == person.name
    assert before - 60 <= claims["auth_time"] <= claims["iat"] + 1
    assert 0 < claims["exp"] - claims["iat"] <= 300

    userinfo = httpx.get(
        provider.discovery()["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=5,
    )
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json() == {
        "sub": person.sub,
        "email": person.email,
        "email_verified": True,
        "name": person.name,
    }

    # A code is good once.
    again = exchange(provider, code, req.code_verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("org", ORGS)
def test_a_wrong_password_is_refused(providers: dict[str, Provider], org: str) -> None:
    provider = providers[org]
    req = authorization_request(provider)
    with httpx.Client(timeout=5) as browser, pytest.raises(PasswordRefusedError) as refused:
        sign_in(browser, req.url, provider.person.username, "not-the-password")
    response = refused.value.response
    assert response is not None
    assert response.status_code == 401
    assert "Wrong username or password" in response.text
    assert "location" not in response.headers

    # Another provider's person is unknown here.
    other = providers[ORGS[1 - ORGS.index(org)]].person
    with httpx.Client(timeout=5) as browser, pytest.raises(PasswordRefusedError):
        sign_in(browser, req.url, other.username, other.password)


def test_sign_in_starts_where_a_browser_would(providers: dict[str, Provider]) -> None:
    """From a relying party's login URL that redirects to the provider, as `sign_in` will
    be used against the registry."""
    provider = providers["riverside"]
    req = authorization_request(provider)

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", req.url)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    rp = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=rp.serve_forever, daemon=True)
    thread.start()
    try:
        with httpx.Client(timeout=5) as browser:
            final = sign_in(
                browser,
                f"http://127.0.0.1:{rp.server_address[1]}/auth/login",
                provider.person.username,
                provider.person.password,
                stop_at=provider.redirect_uri,
            )
    finally:
        rp.shutdown()
        rp.server_close()
    params = callback_params(final, provider)
    assert params["state"] == req.state
    assert exchange(provider, params["code"], req.code_verifier).status_code == 200


def test_the_code_needs_the_right_code_verifier(providers: dict[str, Provider]) -> None:
    provider = providers["northshore"]
    with httpx.Client(timeout=5) as browser:
        req, code = get_code(provider, browser)

    wrong = exchange(provider, code, secrets.token_urlsafe(48))
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert "id_token" not in wrong.json()

    missing = exchange(provider, code, None)
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"

    # The refusals were about the verifier: the right one still works, once.
    right = exchange(provider, code, req.code_verifier)
    assert right.status_code == 200, right.text


def test_the_token_endpoint_needs_the_client_secret(providers: dict[str, Provider]) -> None:
    provider = providers["riverside"]
    with httpx.Client(timeout=5) as browser:
        req, code = get_code(provider, browser)
    r = httpx.post(
        provider.discovery()["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": provider.redirect_uri,
            "code_verifier": req.code_verifier,
        },
        auth=(provider.client_id, "not-the-secret"),
        timeout=5,
    )
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("override", "description"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "code_challenge"),
        ({"code_challenge_method": "plain"}, "S256"),
        ({"code_challenge_method": None}, "S256"),
        ({"nonce": None}, "nonce"),
        ({"scope": "email"}, None),
    ],
    ids=["no-pkce", "plain-pkce", "no-method", "no-nonce", "no-openid"],
)
def test_incomplete_authorization_requests_are_refused(
    providers: dict[str, Provider], override: dict[str, str | None], description: str | None
) -> None:
    provider = providers["northshore"]
    req = authorization_request(provider, **override)
    r = httpx.get(req.url, timeout=5)
    params = callback_params(r, provider)  # back to the (registered) redirect_uri
    assert "code" not in params
    assert params["error"] in ("invalid_request", "invalid_scope")
    assert params["state"] == req.state
    if description is not None:
        assert description in params["error_description"]


def test_a_nonce_is_good_once(providers: dict[str, Provider]) -> None:
    provider = providers["riverside"]
    with httpx.Client(timeout=5) as browser:
        req, _ = get_code(provider, browser)
    replay = authorization_request(provider, nonce=req.nonce)
    params = callback_params(httpx.get(replay.url, timeout=5), provider)
    assert params["error"] == "invalid_request"


def test_an_unregistered_redirect_uri_is_never_redirected_to(
    providers: dict[str, Provider],
) -> None:
    provider = providers["northshore"]
    other = providers["riverside"]
    req = authorization_request(provider, redirect_uri=other.redirect_uri)
    r = httpx.get(req.url, timeout=5)
    assert r.status_code == 400
    assert "location" not in r.headers
    assert "not supported by client" in r.text


def test_userinfo_needs_a_valid_bearer_token(providers: dict[str, Provider]) -> None:
    endpoint = providers["northshore"].discovery()["userinfo_endpoint"]
    assert httpx.get(endpoint, timeout=5).status_code == 401
    bad = httpx.get(endpoint, headers={"Authorization": "Bearer nope"}, timeout=5)
    assert bad.status_code == 401


def test_an_id_token_from_one_provider_does_not_verify_with_the_others_keys(
    providers: dict[str, Provider],
) -> None:
    a, b = providers["northshore"], providers["riverside"]
    with httpx.Client(timeout=5) as browser:
        req, code = get_code(a, browser)
    r = exchange(a, code, req.code_verifier)
    assert r.status_code == 200, r.text
    id_token = r.json()["id_token"]

    # Sanity: it verifies with A's keys.
    verify_id_token(id_token, a.jwks(), a.issuer, a.client_id, req.nonce)
    # B's key set has no key with A's kid...
    with pytest.raises(InvalidKeyIdError):
        verify_id_token(id_token, b.jwks(), a.issuer, a.client_id, req.nonce)
    # ...and B's key, whatever its kid, does not match A's signature.
    b_key = RSAKey.import_key(b.jwks()["keys"][0])
    with pytest.raises(BadSignatureError):
        jwt.decode(id_token, b_key, algorithms=["RS256"])
