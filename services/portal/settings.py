"""The portal's settings (environment, prefix `MENTORNET_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ASSETS = Path(__file__).resolve().parent / "web" / "node_modules"


class PortalSettings(BaseSettings):
    """Where the portal is, where the four services are, and how long a session lives."""

    model_config = SettingsConfigDict(env_prefix="MENTORNET_", extra="ignore")

    portal_public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="where browsers reach the portal; https turns on Secure, __Host- cookies",
    )
    # The services' public APIs, as the portal reaches them (inside a cluster: their Services).
    registry_url: str = Field(default="http://127.0.0.1:8001")
    matching_url: str = Field(default="http://127.0.0.1:8002")
    sessions_url: str = Field(default="http://127.0.0.1:8003")
    evaluation_url: str = Field(default="http://127.0.0.1:8004")
    notifications_url: str = Field(default="http://127.0.0.1:8005")
    # The authorization server as browsers reach it (its issuer), and its keys.
    token_issuer: str = Field(default="http://127.0.0.1:8001")
    jwks_url: str = Field(default="http://127.0.0.1:8001/.well-known/jwks.json")
    portal_client_id: str = Field(default="portal")
    portal_client_secret: SecretStr = Field(
        description="the portal's secret as a registered client of the registry"
    )
    secret_key: SecretStr = Field(
        description="base64 of 32 random bytes; encrypts the tokens the portal keeps for each "
        "signed-in person (give the portal its own key in production)"
    )
    mongo_url: str = Field(default="mongodb://127.0.0.1:27017/")
    db_prefix: str = Field(default="mn", pattern=r"^[a-z][a-z0-9]{0,11}$")
    portal_session_idle_seconds: int = Field(default=30 * 60, ge=60)
    portal_session_absolute_seconds: int = Field(default=12 * 3600, ge=300)
    portal_service_timeout_seconds: float = Field(default=5.0, gt=0)
    portal_assets_dir: Path = Field(
        default=ASSETS, description="the front-end packages `npm ci` installed (htmx)"
    )
    log_level: str = Field(default="INFO")

    @property
    def redirect_uri(self) -> str:
        """Where the registry sends codes back: registered with it exactly."""
        return f"{self.portal_public_url.rstrip('/')}/auth/callback"

    @property
    def secure_cookies(self) -> bool:
        """Served over https: cookies are Secure and `__Host-` prefixed."""
        return self.portal_public_url.startswith("https://")
