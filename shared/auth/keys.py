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


class KeysUnavailableError(Exception):
    """No key set is held yet and its source cannot be fetched just now (a 503, not a 401:
    the caller's token may well be good)."""


class KeySource(Protocol):
    """Gives the current key set; `refresh` asks for a fresh one (an unknown kid was seen)."""

    async def key_set(self, *, refresh: bool = False) -> KeySet:
        """The keys that verify network tokens right now."""
        ...


class RemoteJwks:
    """The registry's `/.well-known/jwks.json`, fetched once, again on an unknown kid, and
    again once the copy held is `max_age_seconds` old.

    A refetch for an unknown kid happens at most every `min_refresh_seconds`, so a stream of
    tokens with a forged kid cannot make us hammer the registry; no request path waits on the
    registry otherwise. The age limit is what retires keys here: the registry stops publishing
    a replaced key once no live token can carry it, and a verifier that only ever added keys
    would trust it forever. If a refetch fails the keys held are kept (a registry restart must
    not lock everyone out) and tried again after `min_refresh_seconds`; with none held yet (an
    instance started while the registry is down) it is KeysUnavailableError, tried again on the
    next request.
    """

    def __init__(
        self,
        url: str,
        min_refresh_seconds: float = 10.0,
        max_age_seconds: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._min_refresh = min_refresh_seconds
        self._max_age = max(max_age_seconds, min_refresh_seconds)
        self._monotonic = monotonic
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def key_set(self, *, refresh: bool = False) -> KeySet:
        """The cached key set, refetched when asked and allowed, or when too old."""
        async with self._lock:
            age = self._monotonic() - self._fetched_at
            due = (refresh and age >= self._min_refresh) or age >= self._max_age
            if self._keys is None:
                try:
                    self._keys = await self._fetch()
                except Exception as exc:
                    log.warning("network keys not fetched; none held", error=str(exc))
                    raise KeysUnavailableError(
                        f"the keys at {self._url} cannot be fetched"
                    ) from exc
                self._fetched_at = self._monotonic()
            elif due:
                try:
                    self._keys = await self._fetch()
                    self._fetched_at = self._monotonic()
                except Exception as exc:  # unreachable, refusing or garbled: all the same here
                    log.warning("network keys not refetched; keeping those held", error=str(exc))
                    # Counted as fetched just under max age ago: tried again in min_refresh.
                    self._fetched_at = self._monotonic() - self._max_age + self._min_refresh
            return self._keys

    async def _fetch(self) -> KeySet:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(self._url)
            response.raise_for_status()
        keys = KeySet.import_key_set(response.json())
        log.info("network keys fetched", kids=[k.kid for k in keys])
        return keys
