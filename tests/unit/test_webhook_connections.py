"""The webhooks' connection guard with real sockets on this machine: a connection to loopback
is refused unless the network runs locally, the address actually connected to is checked
again (as after DNS rebinding), a redirect is an answer and never followed, and a URL is
resolved and refused at registration."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpcore
import pytest

from services.notifications.adapters.webhook_connections import (
    GuardedBackend,
    RefusedConnectionError,
    WebhookPoster,
    check_url,
)
from services.notifications.domain.webhook_addresses import RefusedAddressError


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A tiny HTTP server: answers every request with a redirect to the metadata address."""
    await reader.readuntil(b"\r\n\r\n")
    writer.write(
        b"HTTP/1.1 302 Found\r\nlocation: http://169.254.169.254/latest/meta-data\r\n"
        b"content-length: 0\r\n\r\n"
    )
    await writer.drain()
    writer.close()


async def _server() -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(_answer, "127.0.0.1", 0)
    return server, int(server.sockets[0].getsockname()[1])


@pytest.fixture
async def port() -> AsyncIterator[int]:
    server, number = await _server()
    async with server:
        yield number


class _Rebound(httpcore.AsyncNetworkBackend):
    """A resolver turned hostile: whatever address was checked, the connection lands on this
    machine (what DNS rebinding does between the check and the connect)."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()
        self.port = 0

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_tcp("127.0.0.1", self.port, timeout)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def test_loopback_is_refused_at_connect_time_unless_local(port: int) -> None:
    guarded = GuardedBackend(allow_loopback=False)
    for host in ("127.0.0.1", "localhost"):
        with pytest.raises(RefusedConnectionError, match="loopback"):
            await guarded.connect_tcp(host, port)
    stream = await GuardedBackend(allow_loopback=True).connect_tcp("127.0.0.1", port)
    assert stream.get_extra_info("server_addr")[0] == "127.0.0.1"
    await stream.aclose()


async def test_the_address_actually_connected_to_is_checked(port: int) -> None:
    rebound = _Rebound()
    rebound.port = port
    guarded = GuardedBackend(allow_loopback=False, inner=rebound)
    # 93.184.216.34 is public: it passes the check, but the socket ends up on loopback.
    with pytest.raises(RefusedConnectionError, match="loopback"):
        await guarded.connect_tcp("93.184.216.34", port)


async def test_a_poster_refuses_loopback_and_never_follows_a_redirect(port: int) -> None:
    refused = WebhookPoster(allow_loopback=False, timeout=5)
    answer = await refused.post(f"http://127.0.0.1:{port}/hook", {}, "{}")
    assert answer.response_code is None and answer.error and "loopback" in answer.error
    await refused.close()
    local = WebhookPoster(allow_loopback=True, timeout=5)
    answer = await local.post(f"http://127.0.0.1:{port}/hook", {}, "{}")
    assert answer.response_code == 302
    assert answer.error == "answered 302 (redirects are not followed)"
    await local.close()


async def test_a_silent_endpoint_times_out() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    number = server.sockets[0].getsockname()[1]
    async with server:
        poster = WebhookPoster(allow_loopback=True, timeout=0.5)
        answer = await poster.post(f"http://127.0.0.1:{number}/", {}, "{}")
        await poster.close()
    assert answer.response_code is None and answer.error == "no answer within 0.5 s"
    assert 400 <= answer.duration_ms < 3000


@pytest.mark.parametrize(
    "url",
    [
        "https://localhost/hook",
        "https://[::1]/hook",
        "http://127.0.0.1:9/hook",
        "https://10.0.0.1/hook",
        "https://169.254.169.254/",
        "https://no-such-host.invalid/hook",
    ],
)
async def test_registration_resolves_and_refuses(url: str) -> None:
    with pytest.raises(RefusedAddressError):
        await check_url(url, allow_loopback=False)
