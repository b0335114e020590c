"""Tokens verified once are taken from memory only while the token and its key are accepted."""

from __future__ import annotations

import time

import pytest
from joserfc.jwk import KeySet, RSAKey

from shared.auth.http import TokenVerifier
from shared.auth.principal import CallerKind, Principal
from shared.auth.tokens import InvalidTokenError, VerifiedToken, issue
from shared.auth.verified_tokens import VerifiedTokens

ISSUER = "https://registry.test"


class _Keys:
    """The verifier's key source with keys the test swaps (no registry in a unit test)."""

    def __init__(self, *keys: RSAKey) -> None:
        self.keys = KeySet(list(keys))

    async def key_set(self, *, refresh: bool = False) -> KeySet:
        return self.keys


def _key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid}, private=True)


def _token(key: RSAKey, subject: str = "mem_0000000000000001", ttl: int = 600) -> str:
    return issue(
        key,
        issuer=ISSUER,
        subject=subject,
        organisation="org_000000000001",
        kind=CallerKind.MEMBER,
        ttl_seconds=ttl,
    )


def _verified(kid: str, until: float) -> VerifiedToken:
    principal = Principal(subject="mem_1", organisation="org_1", kind=CallerKind.MEMBER)
    return VerifiedToken(principal, kid, until)


def test_an_entry_lasts_until_the_token_stops_being_accepted() -> None:
    now = [1000.0]
    tokens = VerifiedTokens(clock=lambda: now[0])
    tokens.put("t", _verified("k1", until=1010.0))
    assert tokens.get("t", lambda kid: True) is not None
    assert tokens.get("other", lambda kid: True) is None
    now[0] = 1010.0
    assert tokens.get("t", lambda kid: True) is None
    now[0] = 1000.0
    assert tokens.get("t", lambda kid: True) is None  # gone, not merely hidden


def test_an_entry_goes_with_its_key() -> None:
    tokens = VerifiedTokens(clock=lambda: 0.0)
    tokens.put("t", _verified("k1", until=10.0))
    assert tokens.get("t", lambda kid: kid == "k2") is None
    assert tokens.get("t", lambda kid: True) is None


def test_a_full_map_drops_the_expired_first_and_then_everything() -> None:
    now = [0.0]
    tokens = VerifiedTokens(max_entries=3, clock=lambda: now[0])
    tokens.put("old", _verified("k", until=5.0))
    tokens.put("a", _verified("k", until=50.0))
    tokens.put("b", _verified("k", until=50.0))
    now[0] = 10.0
    tokens.put("c", _verified("k", until=50.0))
    assert [t for t in ("old", "a", "b", "c") if tokens.get(t, lambda kid: True)] == [
        "a",
        "b",
        "c",
    ]
    tokens.put("d", _verified("k", until=50.0))
    assert [t for t in ("a", "b", "c", "d") if tokens.get(t, lambda kid: True)] == ["d"]


async def test_the_verifier_remembers_a_token_only_byte_for_byte() -> None:
    key = _key("k1")
    verifier = TokenVerifier(_Keys(key), ISSUER)
    token = _token(key)
    assert (await verifier.principal(token)).subject == "mem_0000000000000001"
    assert (await verifier.principal(token)).subject == "mem_0000000000000001"
    head, _body, signature = token.split(".")
    forged = _token(key, subject="mem_0000000000000002").split(".")[1]
    with pytest.raises(InvalidTokenError, match="bad signature"):
        await verifier.principal(f"{head}.{forged}.{signature}")


async def test_a_remembered_token_is_refused_once_its_key_is_retired() -> None:
    old, new = _key("k1"), _key("k2")
    keys = _Keys(old, new)
    verifier = TokenVerifier(keys, ISSUER)
    token = _token(old)
    assert (await verifier.principal(token)).subject == "mem_0000000000000001"
    keys.keys = KeySet([new])
    with pytest.raises(InvalidTokenError, match="unknown key id"):
        await verifier.principal(token)


async def test_an_expired_token_is_refused_even_when_remembered() -> None:
    key = _key("k1")
    verifier = TokenVerifier(_Keys(key), ISSUER)
    expired = issue(
        key,
        issuer=ISSUER,
        subject="mem_0000000000000001",
        organisation="org_000000000001",
        kind=CallerKind.MEMBER,
        ttl_seconds=60,
        now=time.time() - 200,
    )
    for _ in range(2):
        with pytest.raises(InvalidTokenError, match="claims refused"):
            await verifier.principal(expired)
