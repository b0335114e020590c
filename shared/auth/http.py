"""FastAPI dependencies: who is calling (401 if nobody we trust), and may they (403)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.auth.keys import KeySource, KeysUnavailableError
from shared.auth.principal import CallerKind, Principal, Role
from shared.auth.tokens import InvalidTokenError, knows_key, unverified_kid, verify_token
from shared.auth.verified_tokens import VerifiedTokens
from shared.http.errors import RETRY_AFTER_SECONDS
from shared.http.rate_limits import RateLimit, client_address
from shared.logging import get_logger

log = get_logger(__name__)

_bearer = HTTPBearer(auto_error=False, description="A network token from the registry")


class TokenVerifier:
    """Verifies network tokens against a key source; one per service."""

    def __init__(self, keys: KeySource, issuer: str, unknown_keys: RateLimit | None = None) -> None:
        self._keys = keys
        self.issuer = issuer
        self._unknown_keys = unknown_keys
        self._verified = VerifiedTokens()

    async def principal(self, token: str, caller_address: str = "") -> Principal:
        """The caller a token speaks for, or InvalidTokenError. A token naming a key not
        known here makes the verifier reload the keys, so those are limited per caller
        address (RateLimitedError, a 429) where the verifier has a limit. A token verified
        here before is taken from memory while it and its key are still accepted."""
        keys = await self._keys.key_set()
        known = self._verified.get(token, lambda kid: knows_key(keys, kid))
        if known is not None:
            return known.principal
        kid = unverified_kid(token)
        if not knows_key(keys, kid):
            if self._unknown_keys is not None:
                await self._unknown_keys.hit(caller_address)
            keys = await self._keys.key_set(refresh=True)  # the registry may have rotated
        verified = verify_token(token, keys, issuer=self.issuer)
        self._verified.put(token, verified)
        return verified.principal


def _unauthorised(reason: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=reason,
        headers={"WWW-Authenticate": 'Bearer realm="mentornet"'},
    )


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The verified caller; 401 without a token we trust."""
    if credentials is None:
        raise _unauthorised("sign in: this needs a network token (Authorization: Bearer ...)")
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return await verifier.principal(credentials.credentials, client_address(request))
    except InvalidTokenError as exc:
        log.info("token refused", reason=str(exc))
        raise _unauthorised("the token is not valid or has expired; sign in again") from exc
    except KeysUnavailableError as exc:
        # This instance started while the registry was down: it cannot check any token yet.
        raise HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="the network's signing keys cannot be fetched just now; try again shortly",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from exc


Caller = Annotated[Principal, Depends(current_principal)]


def require(
    *roles: Role, scopes: tuple[str, ...] = ()
) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting callers with any of `roles`, or a client with all of `scopes`."""

    async def check(principal: Caller) -> Principal:
        if roles and principal.roles & set(roles):
            return principal
        if scopes and set(scopes) <= principal.scopes:
            return principal
        wanted = [r.value for r in roles] + [f"scope {s}" for s in scopes]
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"this needs one of: {', '.join(wanted)}",
        )

    return check


def person_or_client_with(scope: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting any signed-in person, and an integration client only with
    `scope`: a route that answers a client with data says which scope opens it (403 for a
    client without it, whatever its other scopes)."""

    async def check(principal: Caller) -> Principal:
        if principal.kind is CallerKind.MEMBER or scope in principal.scopes:
            return principal
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"an integration client needs the scope {scope} for this",
        )

    return check
