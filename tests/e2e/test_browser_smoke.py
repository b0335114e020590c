"""A person signs in at an example provider in a real (headless) Chromium.

One provider runs as a process; the redirect_uri is a tiny HTTP server in a thread that
answers 200, so the browser's last navigation completes. The login form is saved as
test-artifacts/idp-login.png.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from deploy.example_idp.process import IdpProcess
from tests.browser import artifact, chromium

USERNAME, PASSWORD = "alice", "correct horse battery staple"
CLIENT_ID, CLIENT_SECRET = "mentornet-registry", secrets.token_urlsafe(24)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Callback(BaseHTTPRequestHandler):
    """The relying party's redirect_uri: remembers each path, answers 200."""

    seen: list[str]

    def do_GET(self) -> None:
        self.seen.append(self.path)
        body = b"<!doctype html><title>Callback</title><h1>Back at the relying party</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def callback() -> Iterator[tuple[str, list[str]]]:
    """(redirect_uri, paths it was asked for)."""
    seen: list[str] = []
    handler = type("Callback", (_Callback,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/auth/callback", seen
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def provider(tmp_path: Path, callback: tuple[str, list[str]]) -> Iterator[IdpProcess]:
    port = _free_port()
    config = {
        "issuer": f"http://127.0.0.1:{port}",
        "name": "Northshore Care Trust sign-in",
        "clients": [
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [callback[0]]}
        ],
        "users": [
            {
                "username": USERNAME,
                "password": PASSWORD,
                "sub": "u-alice",
                "email": "alice@northshore.example",
                "name": "Alice Smith",
            }
        ],
    }
    with IdpProcess(config, port, tmp_path) as process:
        yield process


def test_a_person_signs_in_with_chromium(
    provider: IdpProcess, callback: tuple[str, list[str]]
) -> None:
    redirect_uri, seen = callback
    state, nonce, verifier = (secrets.token_urlsafe(n) for n in (16, 16, 48))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = urlencode(
        {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": redirect_uri,
            "scope": "openid email profile",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
    )

    with chromium() as browser:
        page = browser.new_page()
        response = page.goto(f"{provider.url}/authorize?{query}")
        assert response is not None and response.status == 200
        assert page.title() == "Northshore Care Trust sign-in"
        page.screenshot(path=artifact("idp-login.png"), full_page=True)

        # A wrong password: the form again, with an error, and no redirect.
        page.get_by_label("Username").fill(USERNAME)
        page.get_by_label("Password").fill("wrong")
        with page.expect_navigation() as refused:
            page.get_by_role("button", name="Sign in").click()
        assert refused.value is not None and refused.value.status == 401
        assert page.get_by_role("alert").inner_text() == "Wrong username or password."
        page.screenshot(path=artifact("idp-login-refused.png"), full_page=True)

        # The right one: back to the relying party with a code and our state.
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: url.startswith(redirect_uri + "?"))
        assert page.get_by_role("heading").inner_text() == "Back at the relying party"
        params = parse_qs(urlsplit(page.url).query)

    assert params["state"] == [state]
    code = params["code"][0]
    callbacks = [p for p in seen if p.startswith("/auth/callback")]  # not /favicon.ico
    assert len(callbacks) == 1 and code in callbacks[0]

    # The code the browser carried is a real one.
    tokens = httpx.post(
        f"{provider.url}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=5,
    )
    assert tokens.status_code == 200, tokens.text
    jwks = httpx.get(f"{provider.url}/jwks", timeout=5).json()
    claims = jwt.decode(
        tokens.json()["id_token"], KeySet.import_key_set({"keys": jwks["keys"]}), ["RS256"]
    ).claims
    assert (claims["iss"], claims["aud"], claims["nonce"]) == (provider.issuer, CLIENT_ID, nonce)
    assert claims["sub"] == "u-alice"
