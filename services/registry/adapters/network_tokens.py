"""Issuing network tokens: to members after sign-in, to integration clients, on refresh."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from services.registry.adapters.member_store import MemberStore
from services.registry.adapters.refresh_tokens import Family, RefreshTokens
from services.registry.adapters.signing_keys import SigningKeys
from services.registry.domain.integration_client import IntegrationClient
from services.registry.domain.member import Member
from shared.auth import tokens
from shared.auth.principal import CallerKind


class TokenResponse(BaseModel):
    """An OAuth 2.0 token response (RFC 6749 §5.1)."""

    access_token: str = Field(examples=["eyJhbGciOiJSUzI1NiIsImtpZCI6Imsx..."])
    token_type: str = Field(default="Bearer", examples=["Bearer"])
    expires_in: int = Field(examples=[900])
    refresh_token: str | None = Field(default=None, examples=["org_3f9a1c2b7d4e.mnr_..."])
    scope: str | None = Field(default=None, examples=["members:read"])


class NetworkTokens:
    """Signs short-lived access tokens with the current key; refresh tokens rotate on use."""

    def __init__(
        self,
        keys: SigningKeys,
        refresh_tokens: RefreshTokens,
        members: MemberStore,
        *,
        issuer: str,
        ttl_seconds: int,
    ) -> None:
        self._keys = keys
        self._refresh = refresh_tokens
        self._members = members
        self._issuer = issuer
        self._ttl = ttl_seconds

    async def for_member(
        self, member: Member, client_id: str | None = None, family: Family | None = None
    ) -> TokenResponse:
        """Access and refresh tokens for a signed-in member (the refresh token bound to the web
        app `client_id` when one asked for them; in `family` when refreshed from one)."""
        access = tokens.issue(
            await self._keys.current(),
            issuer=self._issuer,
            subject=member.id,
            organisation=member.organisation_id,
            kind=CallerKind.MEMBER,
            roles=member.roles,
            ttl_seconds=self._ttl,
        )
        refresh = await self._refresh.issue(member.organisation_id, member.id, client_id, family)
        return TokenResponse(access_token=access, expires_in=self._ttl, refresh_token=refresh)

    async def for_client(
        self, client: IntegrationClient, requested: Iterable[str]
    ) -> TokenResponse:
        """An access token for a client, limited to its organisation and to the scopes it
        asked for (all it holds when it asked for none). ValueError for scopes it lacks."""
        held = {s.value for s in client.scopes}
        wanted = set(requested) or held
        if not wanted <= held:
            raise ValueError(f"scopes not granted to this client: {sorted(wanted - held)}")
        access = tokens.issue(
            await self._keys.current(),
            issuer=self._issuer,
            subject=client.client_id,
            organisation=client.organisation_id,
            kind=CallerKind.CLIENT,
            scopes=wanted,
            ttl_seconds=self._ttl,
        )
        return TokenResponse(
            access_token=access, expires_in=self._ttl, scope=" ".join(sorted(wanted))
        )

    async def refresh(self, refresh_token: str, client_id: str | None) -> TokenResponse | None:
        """New tokens for a valid, unused refresh token (with the member's current roles);
        `client_id` is the authenticated web app presenting it, if any."""
        redeemed = await self._refresh.redeem(refresh_token, client_id)
        if redeemed is None:
            return None
        member = await self._members.by_id_for_system(redeemed.organisation_id, redeemed.member_id)
        if member is None:
            return None
        return await self.for_member(member, client_id, redeemed.family)

    async def revoke(self, refresh_token: str, client_id: str) -> None:
        """Retire a web app's refresh token (its sign-out)."""
        await self._refresh.revoke(refresh_token, client_id)
