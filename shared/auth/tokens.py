"""Network tokens: JWTs the registry signs and every service verifies locally.

joserfc's `decode` checks only the signature; every claim is checked here, explicitly.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from shared.auth.principal import CallerKind, Principal, Role

ALGORITHM = "RS256"
AUDIENCE = "mentornet"
# Tokens from the future or just expired are tolerated by this much clock skew.
LEEWAY_SECONDS = 30


class InvalidTokenError(Exception):
    """The token cannot be trusted; the message says why (for logs, not for the caller)."""


def issue(
    key: RSAKey,
    *,
    issuer: str,
    subject: str,
    organisation: str,
    kind: CallerKind,
    roles: Iterable[Role] = (),
    scopes: Iterable[str] = (),
    ttl_seconds: int,
    now: float | None = None,
) -> str:
    """Sign a network token with `key` (whose kid goes in the header)."""
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": subject,
        "org": organisation,
        "kind": kind.value,
        "roles": sorted(r.value for r in roles),
        "scope": " ".join(sorted(scopes)),
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_seconds,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode({"alg": ALGORITHM, "kid": key.kid, "typ": "JWT"}, claims, key)


def unverified_kid(token: str) -> str:
    """The key id a token claims, to pick the key; nothing in it is trusted yet."""
    try:
        header = jws.extract_compact(token.encode()).headers()
    except Exception as exc:
        raise InvalidTokenError("not a compact JWS") from exc
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM or not isinstance(kid, str):
        raise InvalidTokenError(f"header must say alg {ALGORITHM} and carry a kid")
    return kid


@dataclass(frozen=True)
class VerifiedToken:
    """A token whose signature and claims were checked: who it speaks for, the key that
    signed it and when it stops being accepted (its `exp` plus the leeway)."""

    principal: Principal
    kid: str
    accepted_until: float


def knows_key(keys: KeySet, kid: str) -> bool:
    """Whether `keys` holds the key with id `kid`."""
    return any(k.kid == kid for k in keys)


def verify_token(
    token: str, keys: KeySet, *, issuer: str, now: float | None = None
) -> VerifiedToken:
    """Check signature, algorithm, issuer, audience and lifetime: the caller, the key that
    signed the token and until when it is accepted."""
    kid = unverified_kid(token)
    if not knows_key(keys, kid):
        raise InvalidTokenError(f"unknown key id {kid}")
    try:
        decoded = jwt.decode(token, keys, algorithms=[ALGORITHM])
    except (JoseError, ValueError) as exc:
        raise InvalidTokenError(f"bad signature or encoding: {exc}") from exc
    claims = decoded.claims
    registry = jwt.JWTClaimsRegistry(
        now=int(now if now is not None else time.time()),
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": AUDIENCE},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise InvalidTokenError(f"claims refused: {exc}") from exc
    try:
        principal = Principal(
            subject=str(claims["sub"]),
            organisation=str(claims["org"]),
            kind=CallerKind(claims["kind"]),
            roles=frozenset(Role(r) for r in claims.get("roles", [])),
            scopes=frozenset(str(claims.get("scope", "")).split()),
        )
        accepted_until = float(claims["exp"]) + LEEWAY_SECONDS
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidTokenError(f"claims incomplete: {exc}") from exc
    return VerifiedToken(principal, kid, accepted_until)
