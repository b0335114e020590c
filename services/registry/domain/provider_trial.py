"""Trying an organisation's OIDC provider before connecting it: the admin signs in through it
once, and only a provider that really signed someone in can be saved (docs/security.md,
"Identity": a provider we cannot verify is refused; a trial proves the client id, secret and
redirect URI work too).

A trial lives ten minutes, signs in once and is saved at most once. Pure: no I/O.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from services.registry.domain.identity_provider import IdentityProviderRequest

TRIAL_LIFETIME = timedelta(minutes=10)


class TrialStatus(StrEnum):
    """Where a trial is."""

    STARTED = "started"  # waiting for the admin to sign in at the provider
    PASSED = "passed"  # the provider signed someone in: it can be saved
    FAILED = "failed"  # the provider did not; `reason` says why
    SAVED = "saved"  # connected: the trial is used up


class ProviderTrialRequest(IdentityProviderRequest):
    """A provider to try, and (optionally) the page of the network's web app to come back to."""

    return_to: str | None = Field(
        default=None,
        max_length=500,
        description="a page of the network's registered web app (the portal) to send the "
        "browser back to after signing in, with `?trial=<id>`; without it the sign-in ends "
        "with the trial as JSON",
        examples=["https://portal.example/organisation/sign-in-provider"],
    )

    @field_validator("return_to")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.netloc or parts.fragment:
            raise ValueError("return_to must be an absolute URL without a fragment")
        return value


class ProviderTrial(BaseModel):
    """A trial as the admin who started it sees it (never the secret)."""

    id: str = Field(examples=["trl_5d2c7a9e1b3f4a6c8e0d"])
    organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    issuer: str = Field(examples=["https://login.northshore-care.example/realms/staff"])
    client_id: str = Field(examples=["mentornet"])
    status: TrialStatus
    started_at: AwareDatetime
    expires_at: AwareDatetime
    sign_in_url: str | None = Field(
        default=None, description="where to send the browser to sign in (while started)"
    )
    signed_in_email: str | None = Field(
        default=None, description="the e-mail the provider asserted (once passed)"
    )
    signed_in_name: str | None = Field(
        default=None, description="the name the provider asserted (once passed)"
    )
    reason: str | None = Field(default=None, description="why it failed, in words")
    expired: bool = Field(
        default=False, description="more than ten minutes old: it can no longer be used"
    )


def new_trial_id() -> str:
    """A fresh, unguessable trial id."""
    return f"trl_{secrets.token_hex(10)}"


def expires(started_at: datetime) -> datetime:
    """When a trial started then stops being usable."""
    return started_at + TRIAL_LIFETIME


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL (what a browser calls its origin), lower-cased."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_return_to(return_to: str, web_app_redirect_uri: str | None) -> str:
    """`return_to` if it is a page of the registered web app (same origin as its redirect URI);
    ValueError otherwise: the registry never sends a browser anywhere else."""
    if web_app_redirect_uri is None:
        raise ValueError("no web app is registered with this network to come back to")
    if origin_of(return_to) != origin_of(web_app_redirect_uri):
        raise ValueError("return_to must be a page of the network's web app")
    return return_to


def check_may_save(status: TrialStatus, expires_at: datetime, now: datetime) -> None:
    """ValueError, in words, unless a trial in this state may be saved now."""
    if status is TrialStatus.SAVED:
        raise ValueError("this trial was already saved; start a new one to change the provider")
    if status is TrialStatus.FAILED:
        raise ValueError("this provider did not sign you in; fix its settings and try again")
    if status is TrialStatus.STARTED:
        raise ValueError("sign in at the provider first: only a provider that works is saved")
    if now >= expires_at:
        raise ValueError("this trial is more than ten minutes old; try the provider again")


def signed_in_as(claims: dict[str, object]) -> tuple[str | None, str | None]:
    """The e-mail and name an ID token asserted (either may be absent)."""
    email, name = claims.get("email"), claims.get("name")
    return (
        email.strip().lower() if isinstance(email, str) and email.strip() else None,
        name.strip() if isinstance(name, str) and name.strip() else None,
    )
