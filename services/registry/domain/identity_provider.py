"""An organisation's own OIDC provider, and what we require of it before trusting it
(docs/security.md, "Identity")."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from shared.addresses import LOOPBACK_NAMES, address_refusal, literal_address
from shared.auth.principal import Principal


def is_acceptable_url(url: str, *, allow_loopback_http: bool) -> bool:
    """https; plain http only on loopback and only where the deployment allows it (the local
    network's example providers, compose's Keycloak)."""
    parsed = urlparse(url)
    if parsed.scheme == "https" and parsed.hostname:
        return True
    loopback = parsed.hostname in ("127.0.0.1", "localhost", "::1")
    return allow_loopback_http and parsed.scheme == "http" and loopback


class IdentityProviderRequest(BaseModel):
    """What an organisation's admin enters to connect their provider."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    issuer: str = Field(
        max_length=300, examples=["https://login.northshore-care.example/realms/staff"]
    )
    client_id: str = Field(min_length=1, max_length=200, examples=["mentornet"])
    client_secret: SecretStr = Field(
        min_length=1, max_length=500, examples=["s3cr3t-from-your-idp"]
    )

    @field_validator("issuer")
    @classmethod
    def _issuer_url(cls, value: str) -> str:
        if urlparse(value).scheme not in ("https", "http") or not urlparse(value).hostname:
            raise ValueError("the issuer must be an https URL")
        return value.rstrip("/")


class ProviderMetadata(BaseModel):
    """The parts of a provider's discovery document we rely on."""

    model_config = ConfigDict(extra="ignore")

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    response_types_supported: list[str] = Field(default_factory=list)
    code_challenge_methods_supported: list[str] = Field(default_factory=list)
    id_token_signing_alg_values_supported: list[str] = Field(default_factory=list)
    # RFC 9207: the provider names itself (`iss`) in every authorization response.
    authorization_response_iss_parameter_supported: bool = False


def address_problem(url: str, *, allow_loopback: bool) -> str | None:
    """Why a provider URL's host may not be called, when its shape alone says so (an address
    that is not public written out, or `localhost` outside a local network); a name is
    checked again, by what it resolves to, on every connection (`shared.http.guarded`)."""
    host = (urlparse(url).hostname or "").lower().rstrip(".")
    if host in LOOPBACK_NAMES and not allow_loopback:
        return "must not point at this machine (loopback)"
    literal = literal_address(host)
    return None if literal is None else address_refusal(literal, allow_loopback=allow_loopback)


def check_issuer(issuer: str, *, allow_loopback_http: bool) -> None:
    """Refuse an issuer we would not talk to, before talking to it."""
    if not is_acceptable_url(issuer, allow_loopback_http=allow_loopback_http):
        raise ValueError("the issuer must be an https URL")
    problem = address_problem(issuer, allow_loopback=allow_loopback_http)
    if problem:
        raise ValueError(f"the issuer {problem}")


def check_metadata(
    requested_issuer: str, document: dict[str, Any], *, allow_loopback_http: bool
) -> ProviderMetadata:
    """Refuse a provider we could not log people in through safely, saying why."""
    try:
        metadata = ProviderMetadata.model_validate(document)
    except ValueError as exc:
        raise ValueError(f"the discovery document is incomplete: {exc}") from exc
    if metadata.issuer.rstrip("/") != requested_issuer:
        raise ValueError(
            f"the provider says its issuer is {metadata.issuer!r}, not {requested_issuer!r}"
        )
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not is_acceptable_url(getattr(metadata, name), allow_loopback_http=allow_loopback_http):
            raise ValueError(f"the provider's {name} is not https")
        problem = address_problem(getattr(metadata, name), allow_loopback=allow_loopback_http)
        if problem:
            raise ValueError(f"the provider's {name} {problem}")
    if "code" not in metadata.response_types_supported:
        raise ValueError("the provider does not support the authorization code flow")
    if "S256" not in metadata.code_challenge_methods_supported:
        raise ValueError("the provider does not support PKCE with S256")
    if "RS256" not in metadata.id_token_signing_alg_values_supported:
        raise ValueError("the provider does not sign ID tokens with RS256")
    return metadata


class ConnectedProvider(BaseModel):
    """A verified provider as an admin sees it: never the secret."""

    issuer: str
    client_id: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


class ProviderChange(StrEnum):
    """How a caller may connect an organisation's provider."""

    REPLACE = "replace"  # the organisation's own admins: connect or replace
    FIRST_ONLY = "first_only"  # a network co-ordinator: only while none is connected


def provider_change(actor: Principal, organisation_id: str) -> ProviderChange:
    """Who may connect an organisation's provider: whoever controls it controls who signs in
    as the organisation's people, admins included. Its own admins may replace it; a network
    co-ordinator may only connect the first one, while setting the organisation up (they
    named its first admins then); PermissionError for everyone else."""
    if actor.is_admin_of(organisation_id):
        return ProviderChange.REPLACE
    if actor.is_network_coordinator:
        return ProviderChange.FIRST_ONLY
    raise PermissionError("only the organisation's own admins can change its provider")
