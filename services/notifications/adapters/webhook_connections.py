"""The only way webhooks reach the outside: every host is resolved here, every address it
resolves to is checked against the address rules (`domain.webhook_addresses`), the connection
goes to a checked address, and the address actually connected to is checked again before a
byte is sent — so a name that resolved to a public address at registration and to a private
one now (DNS rebinding) is refused. Redirects are never followed (httpcore follows none): a
3xx is an answer like any other non-2xx, a failed attempt.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import os
import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpcore

from services.notifications.domain.webhook_addresses import (
    IpAddress,
    RefusedAddressError,
    address_refusal,
    target,
)


class RefusedConnectionError(RefusedAddressError):
    """A connection the address rules refused."""


async def resolve(host: str, port: int) -> list[IpAddress]:
    """Every address `host` resolves to (an address literal resolves to itself)."""
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM
        )
    except OSError as exc:
        raise RefusedAddressError("its host name does not resolve") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    if not addresses:
        raise RefusedAddressError("its host name does not resolve")
    return list(dict.fromkeys(addresses))


def _check(addresses: Iterable[IpAddress], allow_loopback: bool) -> None:
    for address in addresses:
        refusal = address_refusal(address, allow_loopback=allow_loopback)
        if refusal:
            raise RefusedConnectionError(f"{refusal} ({address})")


async def check_url(url: str, *, allow_loopback: bool) -> None:
    """Refuse (`RefusedAddressError`) a URL a webhook may not be registered for: its shape, and
    every address its host resolves to now."""
    where = target(url, allow_loopback=allow_loopback)
    _check(await resolve(where.host, where.port), allow_loopback)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the rules allow."""

    def __init__(
        self, allow_loopback: bool, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self._allow_loopback = allow_loopback
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve, check every address, connect to a checked one, check the peer."""
        addresses = await resolve(host, port)
        _check(addresses, self._allow_loopback)
        stream = await self._inner.connect_tcp(
            str(addresses[0]), port, timeout, local_address, socket_options
        )
        peer = stream.get_extra_info("server_addr")
        try:
            if not peer:
                raise RefusedConnectionError("could not tell which address was connected to")
            _check([ipaddress.ip_address(str(peer[0]).split("%")[0])], self._allow_loopback)
        except RefusedConnectionError:
            await stream.aclose()
            raise
        return stream

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Never: a webhook goes over TCP."""
        raise RefusedConnectionError("a webhook never goes to a local socket")

    async def sleep(self, seconds: float) -> None:
        """As the inner backend sleeps."""
        await self._inner.sleep(seconds)


@dataclass(frozen=True)
class Answer:
    """What one attempt got: the status code (None if no answer), how long, what went wrong."""

    response_code: int | None
    duration_ms: int
    error: str | None


class WebhookPoster:
    """POSTs signed messages through the guarded backend, each within `timeout` seconds."""

    def __init__(self, *, allow_loopback: bool, timeout: float) -> None:
        self._timeout = timeout
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl.create_default_context(),
            max_connections=200,
            network_backend=GuardedBackend(allow_loopback),
        )

    async def post(self, url: str, headers: dict[str, str], body: str) -> Answer:
        """One attempt; never raises for the endpoint's faults (they are the answer)."""
        started = time.monotonic()
        code: int | None = None
        error: str | None = None
        t = self._timeout
        try:
            async with asyncio.timeout(t):
                # Only the status matters: the body is never read (nor can it be made huge).
                async with self._pool.stream(
                    "POST",
                    url,
                    headers=[*headers.items(), ("user-agent", "mentornet-webhooks/1")],
                    content=body.encode(),
                    extensions={"timeout": {"connect": t, "read": t, "write": t, "pool": t}},
                ) as response:
                    code = response.status
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
        await self._pool.aclose()


def new_signing_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()
