"""Signing in to the portal through the network's authorization server: the request the portal
makes, and the checks on the answer (RFC 6749 §4.1, PKCE of RFC 7636, `iss` of RFC 9207).

Pure rules: no I/O.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

ATTEMPT_LIFETIME = timedelta(minutes=10)
# What the registry's error codes mean to the person in front of the sign-in page.
_REASONS = {
    "organisation_not_found": "email",
    "organisation_not_ready": "email",
}


@dataclass(frozen=True)
class Attempt:
    """A sign-in under way: kept server-side under its `state` until the person returns."""

    state: str
    code_verifier: str
    browser_hash: str  # the hash of the secret in the browser's sign-in cookie
    next_page: str
    email: str | None
    created_at: datetime


@dataclass(frozen=True)
class Refusal:
    """Why the sign-in did not happen, and which field of the form it concerns."""

    message: str
    field: str | None = None


def new_secret() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored in place of a secret the browser holds."""
    return hashlib.sha256(secret.encode()).hexdigest()


def code_challenge(verifier: str) -> str:
    """RFC 7636 §4.2, S256."""
    raw = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def authorize_url(
    authorization_endpoint: str,
    *,
    client_id: str,
    redirect_uri: str,
    attempt: Attempt,
    organisation_id: str | None,
) -> str:
    """The authorization request the browser is sent with."""
    parameters = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": attempt.state,
        "code_challenge": code_challenge(attempt.code_verifier),
        "code_challenge_method": "S256",
    }
    if organisation_id:
        parameters["organisation"] = organisation_id
    elif attempt.email:
        parameters["login_hint"] = attempt.email
    return f"{authorization_endpoint}?{urlencode(parameters)}"


def check_return(
    attempt: Attempt | None,
    *,
    browser_secret: str | None,
    issuer: str | None,
    expected: str,
    now: datetime,
) -> Refusal | None:
    """Whether the answer belongs to a sign-in this browser started here, lately, from the
    server we asked: None if so, else why not."""
    if attempt is None:
        return Refusal("That sign-in link was already used or is unknown. Please sign in again.")
    if browser_secret is None or not hmac.compare_digest(
        digest(browser_secret), attempt.browser_hash
    ):
        return Refusal("That sign-in was started in another browser. Please sign in again here.")
    if issuer != expected:
        return Refusal("The answer did not come from the network's sign-in service. Sign in again.")
    if now - attempt.created_at > ATTEMPT_LIFETIME:
        return Refusal("That sign-in took too long. Please sign in again.")
    return None


def refusal_for(error: str, description: str | None) -> Refusal:
    """What the authorization server's error means on the sign-in page."""
    if error == "access_denied":
        return Refusal(
            "Your organisation's sign-in did not let you in"
            + (f" ({description})." if description else ".")
            + " Try again, or ask your organisation's admin."
        )
    field = _REASONS.get(error)
    text = description or error.replace("_", " ")
    return Refusal(text[:1].upper() + text[1:] + ".", field)
