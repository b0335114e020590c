"""The registry's own settings, beyond what every service reads."""

from __future__ import annotations

from pydantic import Field, SecretStr

from shared.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    """The token issuer's settings (environment, prefix `MENTORNET_`)."""

    public_url: str = Field(
        default="http://127.0.0.1:8001",
        description="where browsers and clients reach the registry; the network tokens' issuer",
    )
    secret_key: SecretStr = Field(
        description="base64 of 32 random bytes; encrypts providers' client secrets and the "
        "signing keys at rest (`python -c 'from shared.secrets import new_secret_key as k; "
        "print(k())'`)"
    )
    allow_http_loopback_providers: bool = Field(
        default=False,
        description="accept identity providers at plain http://localhost (development only: "
        "the local network's example providers, compose's Keycloak)",
    )
    # Fair use, per caller address: sign-in starts (`/auth/login/…`, `/oauth/authorize`)
    # and calls of the token endpoint.
    rate_limit_sign_in: str = Field(default="30/minute")
    rate_limit_token: str = Field(default="60/minute")
    access_token_seconds: int = Field(default=900, ge=60, le=3600)
    refresh_token_seconds: int = Field(default=8 * 3600, ge=300)
    # A sign-in's refresh tokens all end this long after it, however often refreshed.
    session_max_seconds: int = Field(default=12 * 3600, ge=300)
    key_rotation_seconds: int = Field(default=24 * 3600, ge=60)
    # The network's own web app (the portal): a confidential client with one exact redirect
    # URI. Without a secret and a redirect URI, the authorization endpoint is off.
    portal_client_id: str = Field(default="portal", pattern=r"^[a-z][a-z0-9-]{1,40}$")
    portal_client_secret: SecretStr | None = Field(
        default=None, description="the portal's client secret (at least 32 characters)"
    )
    portal_redirect_uri: str | None = Field(
        default=None,
        description="where the portal receives codes, exactly (e.g. "
        "https://portal.example/auth/callback)",
    )
