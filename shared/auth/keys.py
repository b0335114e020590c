"""Where verifiers get the network's public keys: the registry's JWKS, cached."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

import httpx
from joserfc.jwk import KeySet

from shared.logging import get_logger

log = get_logger(__name__)


class KeySource(Protocol):
    """Gives the current key set; `refresh` asks for a fresh one (an unknown kid was seen)."""

    async def key_set(self, *, refresh: bool = False) -> KeySet:
        """The keys that verify network tokens right now."""
        ...


class RemoteJwks:
    """The registry's `/.well-known/jwks.json`, fetched once and again only on an unknown kid.

    A refetch happens at most every `min_refresh_seconds`, so a stream of tokens with a forged
    kid cannot make us hammer the registry; no request path waits on the registry otherwise.
    """

    def __init__(
        self,
        url: str,
        min_refresh_seconds: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._min_refresh = min_refresh_seconds
        self._monotonic = monotonic
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def key_set(self, *, refresh: bool = False) -> KeySet:
        """The cached key set, refetched when asked and allowed."""
        async with self._lock:
            stale = refresh and self._monotonic() - self._fetched_at >= self._min_refresh
            if self._keys is None or stale:
                self._keys = await self._fetch()
                self._fetched_at = self._monotonic()
            return self._keys

    async def _fetch(self) -> KeySet:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(self._url)
            response.raise_for_status()
        keys = KeySet.import_key_set(response.json())
        log.info("network keys fetched", kids=[k.kid for k in keys])
        return keys
