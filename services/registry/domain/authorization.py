"""The registry as the network's authorization server for its own web apps (the portal).

A first-party web app is a confidential client with one exact redirect URI. It sends a person
here with an authorization request (RFC 6749 §4.1, PKCE of RFC 7636 with S256 only); the
registry finds the person's organisation from their e-mail domain (or the organisation they
picked), signs them in through that organisation's own provider, and sends them back with a
one-use code and the `iss` parameter (RFC 9207). The app redeems the code at the token
endpoint with its secret and the PKCE verifier.

Pure rules: no I/O.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, Field

from services.registry.domain.organisation import Organisation

CODE_LIFETIME = timedelta(seconds=60)
# RFC 7636 §4.1-4.2: a verifier is 43-128 unreserved characters; an S256 challenge is 43.
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


class AuthorizationError(Exception):
    """An RFC 6749 §4.1.2.1 error, sent back to the client's redirect URI."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class UnknownClientError(Exception):
    """The client or its redirect URI is not registered: never redirect (RFC 6749 §4.1.2.1)."""


@dataclass(frozen=True)
class WebClient:
    """A registered first-party web app: its id, its secret's SHA-256, its one redirect URI."""

    client_id: str
    secret_sha256: str
    redirect_uri: str
    name: str

    def authenticates(self, client_id: str, secret: str) -> bool:
        """Whether these credentials are this client's (constant time)."""
        digest = hashlib.sha256(secret.encode()).hexdigest()
        return hmac.compare_digest(client_id, self.client_id) and hmac.compare_digest(
            digest, self.secret_sha256
        )


class AuthorizationRequest(BaseModel):
    """What the web app asked for; kept with the sign-in attempt until the code is issued."""

    model_config = ConfigDict(frozen=True)

    client_id: str
    redirect_uri: str
    state: str = Field(min_length=16, max_length=200)
    code_challenge: str
    login_hint: str | None = None


def check_client(client: WebClient | None, client_id: str, redirect_uri: str) -> WebClient:
    """The registered client whose exact redirect URI this is, or UnknownClientError."""
    if client is None or client.client_id != client_id:
        raise UnknownClientError("this application is not registered with the network")
    if redirect_uri != client.redirect_uri:
        raise UnknownClientError("this redirect URI is not the one registered for the app")
    return client


def check_request(
    *,
    response_type: str | None,
    state: str | None,
    code_challenge: str | None,
    code_challenge_method: str | None,
) -> None:
    """RFC 6749 and 7636 rules for the rest of the request (after the client checked out)."""
    if response_type != "code":
        raise AuthorizationError("unsupported_response_type", "only response_type=code")
    if not state or not 16 <= len(state) <= 200:
        raise AuthorizationError("invalid_request", "a state of 16 to 200 characters is required")
    if code_challenge_method != "S256":
        raise AuthorizationError("invalid_request", "PKCE with code_challenge_method=S256")
    if not code_challenge or not _CHALLENGE.match(code_challenge):
        raise AuthorizationError("invalid_request", "code_challenge must be an S256 challenge")


def pkce_matches(verifier: str, challenge: str) -> bool:
    """RFC 7636 §4.6: BASE64URL(SHA256(verifier)) equals the challenge."""
    if not _VERIFIER.match(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(expected, challenge)


def email_domain(login_hint: str | None) -> str | None:
    """The domain of an e-mail address typed by a person, lower case; None if it is not one."""
    if not login_hint:
        return None
    local, at, domain = login_hint.strip().lower().rpartition("@")
    if not at or not local or "." not in domain or " " in domain:
        return None
    return domain


def organisation_for(
    organisations: list[Organisation], *, domain: str | None, organisation_id: str | None
) -> Organisation:
    """The organisation a person signs in with: the one they picked, else the one whose
    e-mail domains include theirs. AuthorizationError (sent back to the app) otherwise."""
    if organisation_id:
        for organisation in organisations:
            if organisation.id == organisation_id:
                return organisation
        raise AuthorizationError("organisation_not_found", "no such organisation in the network")
    if domain is None:
        raise AuthorizationError(
            "organisation_not_found", "type your work e-mail address, or choose your organisation"
        )
    for organisation in organisations:
        if domain in organisation.profile.email_domains:
            return organisation
    raise AuthorizationError(
        "organisation_not_found",
        f"no organisation in the network signs in people with addresses at {domain}",
    )


def code_expired(issued_at: datetime, now: datetime) -> bool:
    """Codes live a minute (RFC 6749 §4.1.2 recommends at most ten)."""
    return now - issued_at > CODE_LIFETIME


def redirect_with(redirect_uri: str, parameters: dict[str, str]) -> str:
    """The client's redirect URI with the response parameters added to its query."""
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return f"{redirect_uri}{separator}{urlencode(parameters)}"


def provider_refusal(error: str | None, description: str | None) -> str:
    """A provider's refusal (RFC 6749 §4.1.2.1 `error`, `error_description`) in words."""
    if description:
        return f"the provider did not sign you in: {description} ({error or 'no code'})"
    return f"the provider did not sign you in ({error or 'no code'})"
