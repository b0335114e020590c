"""The only way webhooks reach the outside: through `shared.http.guarded`, where every host is
resolved, every address it resolves to is checked against the address rules
(`shared.addresses`, with the URL's shape in `domain.webhook_addresses`), the connection goes
to a checked address, and the address actually connected to is checked again before a byte is
sent — so a name that resolved to a public address at registration and to a private one now
(DNS rebinding) is refused. Redirects are never followed (httpcore follows none): a
3xx is an answer like any other non-2xx, a failed attempt.
"""

from __future__ import annotations

import asyncio
import base64
import os
import ssl
import time
from dataclasses import dataclass

import httpcore

from services.notifications.domain.webhook_addresses import RefusedAddressError, target
from shared.http.guarded import GuardedBackend, RefusedConnectionError, check_addresses, resolve

__all__ = ["GuardedBackend", "RefusedConnectionError", "WebhookPoster", "check_url"]


async def check_url(url: str, *, allow_loopback: bool) -> None:
    """Refuse (`RefusedAddressError`) a URL a webhook may not be registered for: its shape, and
    every address its host resolves to now."""
    where = target(url, allow_loopback=allow_loopback)
    check_addresses(await resolve(where.host, where.port), allow_loopback)


@dataclass(frozen=True)
class Answer:
    """What one attempt got: the status code (None if no answer), how long, what went wrong."""

    response_code: int | None
    duration_ms: int
    error: str | None


# Bytes of an endpoint's answer read at most (the rest is never read).
ANSWER_READ_LIMIT = 64 * 1024


class WebhookPoster:
    """POSTs signed messages through the guarded backend, each within `timeout` seconds."""

    def __init__(self, *, allow_loopback: bool, timeout: float, per_endpoint: int = 4) -> None:
        self._timeout = timeout
        self._ssl = ssl.create_default_context()
        self._backend = GuardedBackend(allow_loopback)
        self._per_endpoint = per_endpoint
        # A small pool per endpoint (its URL: endpoints sharing a host keep apart, so a slow
        # one never holds another's connections): httpcore looks at every connection of a
        # pool on every request, so one pool for every endpoint would cost each request all.
        self._pools: dict[str, httpcore.AsyncConnectionPool] = {}

    def _pool(self, url: str) -> httpcore.AsyncConnectionPool:
        pool = self._pools.get(url)
        if pool is None:
            pool = self._pools[url] = httpcore.AsyncConnectionPool(
                ssl_context=self._ssl,
                max_connections=self._per_endpoint,
                keepalive_expiry=30.0,
                network_backend=self._backend,
            )
        return pool

    async def post(self, url: str, headers: dict[str, str], body: str) -> Answer:
        """One attempt; never raises for the endpoint's faults (they are the answer)."""
        started = time.monotonic()
        code: int | None = None
        error: str | None = None
        t = self._timeout
        try:
            async with asyncio.timeout(t):
                # Only the status matters. A short answer is read to its end, so the connection
                # can serve the next delivery; a long one is left unread and its connection is
                # dropped (an endpoint cannot make us read much).
                async with self._pool(url).stream(
                    "POST",
                    url,
                    headers=[*headers.items(), ("user-agent", "mentornet-webhooks/1")],
                    content=body.encode(),
                    extensions={"timeout": {"connect": t, "read": t, "write": t, "pool": t}},
                ) as response:
                    code = response.status
                    read = 0
                    async for chunk in response.aiter_stream():
                        read += len(chunk)
                        if read > ANSWER_READ_LIMIT:
                            break
            if not 200 <= code < 300:
                error = f"answered {code}" + (" (redirects are not followed)" if code < 400 else "")
        except TimeoutError:
            error = f"no answer within {t:g} s"
        except RefusedAddressError as exc:
            error = f"refused: {exc}"
        except httpcore.TimeoutException:
            error = f"no answer within {t:g} s"
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
            error = f"could not connect or talk: {type(exc).__name__}: {exc}"[:300]
        except OSError as exc:
            error = f"could not connect: {exc}"[:300]
        return Answer(code, int((time.monotonic() - started) * 1000), error)

    async def close(self) -> None:
        """Close the connections kept open."""
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()


def new_signing_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()
