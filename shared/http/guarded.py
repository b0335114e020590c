"""The only way the services call partners' servers: every host is resolved here, every
address it resolves to is checked against the address rules (`shared.addresses`), the
connection goes to a checked address, and the address actually connected to is checked again
before a byte is sent — so a name that resolved to a public address once and to a private one
now (DNS rebinding) is refused. Used for webhooks (notifications) and for identity providers
(the registry's discovery, key and token calls).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from shared.addresses import IpAddress, RefusedAddressError, address_refusal


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


def check_addresses(addresses: Iterable[IpAddress], allow_loopback: bool) -> None:
    for address in addresses:
        refusal = address_refusal(address, allow_loopback=allow_loopback)
        if refusal:
            raise RefusedConnectionError(f"{refusal} ({address})")


def check_peer(peer: Any, allow_loopback: bool) -> None:
    """Refuse the address a socket actually connected to (`peer`: its peer name, a tuple
    whose first item is the address) unless the rules allow it."""
    if not peer:
        raise RefusedConnectionError("could not tell which address was connected to")
    check_addresses([ipaddress.ip_address(str(peer[0]).split("%")[0])], allow_loopback)


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
        check_addresses(addresses, self._allow_loopback)
        stream = await self._inner.connect_tcp(
            str(addresses[0]), port, timeout, local_address, socket_options
        )
        try:
            check_peer(stream.get_extra_info("server_addr"), self._allow_loopback)
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
        """Never: calls out go over TCP."""
        raise RefusedConnectionError("never to a local socket")

    async def sleep(self, seconds: float) -> None:
        """As the inner backend sleeps."""
        await self._inner.sleep(seconds)


def guarded_client(*, allow_loopback: bool, timeout: float) -> httpx.AsyncClient:
    """An httpx client whose every connection goes through `GuardedBackend` (redirects are
    not followed: httpx follows none unless asked)."""
    transport = httpx.AsyncHTTPTransport()
    # httpx takes no network backend of its own; its transport's pool is replaced by one
    # with the same TLS settings that connects only through the guard.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl.create_default_context(),
        network_backend=GuardedBackend(allow_loopback),
    )
    return httpx.AsyncClient(transport=transport, timeout=timeout)
