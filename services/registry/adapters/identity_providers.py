"""Talking to partners' OIDC providers: checking a provider before trusting it, exchanging a
code, and verifying the ID token it returns (the relying-party side:
docs/security.md, "Identity")."""

from __future__ import annotations

import time
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from services.registry.domain.identity_provider import (
    ProviderMetadata,
    check_issuer,
    check_metadata,
)
from shared.addresses import RefusedAddressError
from shared.auth.keys import KeysUnavailableError, RemoteJwks
from shared.auth.tokens import LEEWAY_SECONDS
from shared.errors import DomainError
from shared.logging import get_logger

log = get_logger(__name__)


class ProviderError(DomainError):
    """A provider could not be used; the message says what to fix."""

    status = 422
    error = "identity_provider"


class IdentityProviders:
    """HTTP to providers, with their signing keys cached per provider."""

    def __init__(self, http: httpx.AsyncClient, *, allow_loopback_http: bool) -> None:
        self._http = http
        self._allow_loopback_http = allow_loopback_http
        self._keys: dict[str, RemoteJwks] = {}

    async def discover(self, issuer: str) -> ProviderMetadata:
        """Read and check a provider's discovery document and keys, or ProviderError."""
        try:
            check_issuer(issuer, allow_loopback_http=self._allow_loopback_http)
        except ValueError as exc:
            raise ProviderError(str(exc)) from exc
        url = f"{issuer}/.well-known/openid-configuration"
        document = await self._get_json(url, "discovery document")
        try:
            metadata = check_metadata(
                issuer, document, allow_loopback_http=self._allow_loopback_http
            )
        except ValueError as exc:
            raise ProviderError(str(exc)) from exc
        keys = await self._get_json(metadata.jwks_uri, "signing keys (JWKS)")
        try:
            key_set = KeySet.import_key_set(keys)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError) as exc:
            raise ProviderError(f"the provider's JWKS at {metadata.jwks_uri} is not valid") from exc
        if not any(k.key_type == "RSA" for k in key_set):
            raise ProviderError("the provider publishes no RSA signing key")
        return metadata

    async def exchange_code(
        self,
        token_endpoint: str,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str,
        client_id: str,
        client_secret: str,
    ) -> dict[str, Any]:
        """The provider's token response for an authorization code."""
        try:
            response = await self._http.post(
                token_endpoint,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": code_verifier,
                },
                auth=(client_id, client_secret),
            )
        except RefusedAddressError as exc:
            raise ProviderError("the provider's token endpoint is not on a public address") from exc
        except httpx.HTTPError as exc:
            log.info("provider unreachable", url=token_endpoint, reason=str(exc))
            raise ProviderError("could not reach the provider's token endpoint") from exc
        if response.status_code != 200:
            raise ProviderError(f"the provider refused the sign-in code ({response.status_code})")
        body: dict[str, Any] = response.json()
        return body

    async def verify_id_token(
        self, id_token: str, *, jwks_uri: str, issuer: str, client_id: str, nonce: str
    ) -> dict[str, Any]:
        """The ID token's claims, after checking signature, issuer, audience, lifetime and
        nonce explicitly; ProviderError otherwise."""
        source = self._keys.setdefault(jwks_uri, RemoteJwks(jwks_uri))
        try:
            try:
                decoded = jwt.decode(id_token, await source.key_set(), algorithms=["RS256"])
            except JoseError:
                # The provider may have rotated its keys since we cached them.
                decoded = jwt.decode(
                    id_token, await source.key_set(refresh=True), algorithms=["RS256"]
                )
            jwt.JWTClaimsRegistry(
                now=int(time.time()),
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": issuer},
                aud={"essential": True, "value": client_id},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise ProviderError(f"the provider's ID token was refused: {exc}") from exc
        except KeysUnavailableError as exc:
            raise ProviderError(f"could not fetch the provider's keys at {jwks_uri}") from exc
        return dict(decoded.claims)

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url)
        except RefusedAddressError as exc:
            # Said without the address: the registry is no oracle for what names resolve to.
            raise ProviderError(
                f"the provider's {what} at {url} is not on a public address"
            ) from exc
        except httpx.HTTPError as exc:
            # The reason (refused, reset, TLS, timeout...) stays in the log: echoed, it would
            # let anyone probe which ports answer through the registry.
            log.info("provider unreachable", url=url, reason=str(exc))
            raise ProviderError(f"could not reach the provider's {what} at {url}") from exc
        if response.status_code != 200:
            raise ProviderError(f"the provider's {what} at {url} answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderError(f"the provider's {what} at {url} is not JSON") from exc
        if not isinstance(body, dict):
            raise ProviderError(f"the provider's {what} at {url} is not a JSON object")
        return body
