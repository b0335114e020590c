"""Sealing personal data inside events under a per-member key (crypto-shredding).

A member's data key is 32 random bytes the registry makes for them and destroys on their
erasure (docs/decisions.md, "Erasure reaches Kafka"). What an event says about them personally
is sealed with AES-256-GCM under it: a fresh 96-bit nonce per seal, and the event's identity
(type, version, organisation, member) as associated data, so a sealed value cannot be moved
into another member's or another type's event and still open. The sealed text is URL-safe
base64 of nonce + ciphertext + tag. Once every copy of the key is gone, the ciphertext left on
a topic that keeps everything is noise.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.randomness import random_bytes

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16


class SealError(ValueError):
    """A sealed value that does not open under the key given: tampered with, cut short, or
    sealed under another key or for another event."""


def new_data_key() -> bytes:
    """A fresh random data key."""
    return random_bytes(KEY_BYTES)


def key_text(key: bytes) -> str:
    """A data key as text (for a document or a keyed record)."""
    return base64.urlsafe_b64encode(key).decode()


def key_from_text(text: str) -> bytes:
    """A data key back from `key_text`; SealError if it is not one."""
    try:
        key = base64.urlsafe_b64decode(text.encode())
    except (binascii.Error, ValueError) as exc:
        raise SealError("not a data key") from exc
    if len(key) != KEY_BYTES:
        raise SealError("not a data key")
    return key


def seal(key: bytes, plaintext: bytes, context: bytes) -> str:
    """`plaintext` sealed under `key`, bound to `context` (which travels in the clear)."""
    nonce = random_bytes(NONCE_BYTES)
    return base64.urlsafe_b64encode(nonce + AESGCM(key).encrypt(nonce, plaintext, context)).decode()


def unseal(key: bytes, sealed: str, context: bytes) -> bytes:
    """The plaintext `seal` sealed, or SealError."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
    except (binascii.Error, ValueError) as exc:
        raise SealError("not sealed text") from exc
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise SealError("sealed text cut short")
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context)
    except (InvalidTag, ValueError) as exc:
        raise SealError("does not open under this key and context") from exc
