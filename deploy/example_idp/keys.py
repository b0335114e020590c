"""The provider's ID token signing key: RSA, generated at start-up, with a `kid`."""

from __future__ import annotations

from typing import Any

from joserfc.jwk import KeySet, RSAKey

SIGNING_ALG = "RS256"


def generate_signing_key() -> RSAKey:
    """A fresh 2048-bit RSA key for RS256, its `kid` the RFC 7638 thumbprint."""
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": SIGNING_ALG}, auto_kid=True)


def key_id(key: RSAKey) -> str:
    """The key's `kid` (always set by `generate_signing_key`)."""
    kid = key.kid
    if kid is None:
        raise ValueError("the signing key has no kid")
    return kid


def private_key_set(key: RSAKey) -> KeySet:
    """The key as a key set, the form authlib's ID token encoder resolves a `kid` in."""
    return KeySet([key])


def public_jwks(key: RSAKey) -> dict[str, Any]:
    """The JWKS document: the public half only."""
    return {"keys": [key.as_dict(private=False)]}
