"""Secrets at rest: encrypted with the deployment's key, or hashed when we never need them back.

A provider's client secret must be sent to that provider, so it is encrypted (AES-256-GCM with
a key from the environment, `MENTORNET_SECRET_KEY`). An integration client's secret is only ever
compared, so it is hashed; it is 256 random bits, so a plain SHA-256 is as strong as any
password hash would be.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class SecretBox:
    """Encrypts short strings (client secrets, private keys) for storage."""

    def __init__(self, key_b64: str) -> None:
        try:
            key = base64.urlsafe_b64decode(key_b64.encode())
        except (ValueError, TypeError) as exc:
            raise ValueError("the secret key is not base64") from exc
        if len(key) != 32:
            raise ValueError("the secret key must be 32 bytes (base64, 44 characters)")
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, context: str) -> str:
        """Encrypt `plaintext`; `context` (e.g. the record it belongs to) must match to open."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, token: str, context: str) -> str:
        """Decrypt what `seal` produced with the same context."""
        raw = base64.urlsafe_b64decode(token.encode())
        return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()


def derived_key(key_b64: str, purpose: str) -> bytes:
    """A key of its own for one purpose, derived from the deployment's key (HMAC-SHA256 of the
    purpose), so one secret serves several uses without one use revealing another's key."""
    try:
        key = base64.urlsafe_b64decode(key_b64.encode())
    except (ValueError, TypeError) as exc:
        raise ValueError("the secret key is not base64") from exc
    return hmac.new(key, f"mentornet {purpose}".encode(), hashlib.sha256).digest()


def new_secret_key() -> str:
    """A fresh key for `MENTORNET_SECRET_KEY`."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def new_token(prefix: str = "") -> str:
    """An unguessable token (256 bits), e.g. a client secret or a refresh token."""
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What we store instead of a high-entropy token."""
    return hashlib.sha256(token.encode()).hexdigest()


def matches(token: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented token with a stored hash."""
    return hmac.compare_digest(token_hash(token), stored_hash)
