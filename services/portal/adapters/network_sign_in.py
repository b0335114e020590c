"""The portal as the registry's confidential client: code exchange, refresh and revocation at
the registry's token endpoints (HTTP Basic with the portal's secret), and the organisations a
person can pick on the sign-in page."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from pydantic import BaseModel

from shared import clock
from shared.auth.http import TokenVerifier
from shared.auth.principal import Principal
from shared.auth.tokens import InvalidTokenError
from shared.logging import get_logger

log = get_logger(__name__)
ORGANISATIONS_CACHE_SECONDS = 60.0


class SignInRefusedError(Exception):
    """The registry would not give tokens for this code (used, expired, or not ours)."""


class RegistryUnavailableError(Exception):
    """The registry could not be reached to sign in or out."""


@dataclass(frozen=True)
class IssuedTokens:
    """Tokens from the registry and who they speak for (the access token verified)."""

    access_token: str
    refresh_token: str
    expires_at: datetime
    principal: Principal


class SignInOrganisation(BaseModel):
    """An organisation on the sign-in page's list."""

    id: str
    name: str


class _TokenAnswer(BaseModel):
    access_token: str
    refresh_token: str
    expires_in: int


class NetworkSignIn:
    """Talks to the registry's authorization server on the portal's behalf."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        verifier: TokenVerifier,
        *,
        registry_url: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
    ) -> None:
        self._client = client
        self._verifier = verifier
        self._registry = registry_url.rstrip("/")
        self._auth = httpx.BasicAuth(client_id, client_secret)
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self._organisations: tuple[float, list[SignInOrganisation]] = (0.0, [])

    @property
    def issuer(self) -> str:
        """The authorization server's issuer: what the `iss` of its answers must say."""
        return self._verifier.issuer

    @property
    def authorization_endpoint(self) -> str:
        """Where browsers are sent to sign in (the issuer's public address)."""
        return f"{self.issuer}/oauth/authorize"

    async def exchange(self, code: str, code_verifier: str) -> IssuedTokens:
        """Redeem a code for tokens (once)."""
        answer = await self._token_call(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "code_verifier": code_verifier,
            }
        )
        if answer is None:
            raise SignInRefusedError("the sign-in code was refused")
        return answer

    async def refresh(self, refresh_token: str) -> IssuedTokens | None:
        """New tokens, or None when the refresh token is no longer good."""
        return await self._token_call(
            {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    async def revoke(self, refresh_token: str) -> None:
        """Retire a refresh token (sign-out); a failure is logged, the session ends anyway."""
        try:
            response = await self._client.post(
                f"{self._registry}/oauth/revoke", data={"token": refresh_token}, auth=self._auth
            )
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("refresh token not revoked", error=repr(exc))

    async def organisations(self) -> list[SignInOrganisation]:
        """The organisations a person can choose from (cached for a minute)."""
        fetched_at, cached = self._organisations
        if cached and time.monotonic() - fetched_at < ORGANISATIONS_CACHE_SECONDS:
            return cached
        try:
            response = await self._client.get(f"{self._registry}/auth/organisations")
            response.raise_for_status()
            found = [SignInOrganisation.model_validate(o) for o in response.json()]
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("organisations for sign-in unavailable", error=repr(exc))
            return cached
        self._organisations = (time.monotonic(), found)
        return found

    async def _token_call(self, form: dict[str, str]) -> IssuedTokens | None:
        try:
            response = await self._client.post(
                f"{self._registry}/oauth/token", data=form, auth=self._auth
            )
        except httpx.HTTPError as exc:
            raise RegistryUnavailableError(repr(exc)) from exc
        if response.status_code >= 500:
            raise RegistryUnavailableError(f"HTTP {response.status_code}")
        if response.status_code != 200:
            log.info("token call refused", status=response.status_code, body=response.text[:200])
            return None
        answer = _TokenAnswer.model_validate_json(response.content)
        try:
            principal = await self._verifier.principal(answer.access_token)
        except InvalidTokenError as exc:
            log.error("the registry issued a token the portal cannot verify", error=str(exc))
            raise RegistryUnavailableError("unverifiable token") from exc
        return IssuedTokens(
            access_token=answer.access_token,
            refresh_token=answer.refresh_token,
            expires_at=clock.now() + timedelta(seconds=answer.expires_in),
            principal=principal,
        )
