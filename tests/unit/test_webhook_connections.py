"""The webhooks' connection guard with real sockets on this machine: a connection to loopback
is refused unless the network runs locally, the address actually connected to is checked
again (as after DNS rebinding), a redirect is an answer and never followed, and a URL is
resolved and refused at registration."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpcore
import pytest

from services.notifications.adapters import webhook_connections as connections
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


class _Endpoint:
    """A loopback endpoint answering each request with `answer`; it counts connections and
    requests, and closes a connection after `requests_per_connection` of them."""

    def __init__(self, answer: bytes, requests_per_connection: int = 1000) -> None:
        self.answer = answer
        self.per_connection = requests_per_connection
        self.connections = 0
        self.closed = 0  # connections the client closed or let go
        self.requests: list[bytes] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            for _ in range(self.per_connection):
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                self.requests.append(head + await reader.readexactly(length))
                writer.write(self.answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            self.closed += 1
        writer.close()


async def _post_to(endpoint: _Endpoint, times: int) -> list[Any]:
    server = await asyncio.start_server(endpoint, "127.0.0.1", 0)
    number = server.sockets[0].getsockname()[1]
    async with server:
        poster = WebhookPoster(allow_loopback=True, timeout=5)
        answers = []
        for n in range(times):
            body = json.dumps({"n": n})
            answers.append(await poster.post(f"http://127.0.0.1:{number}/in?x=1", {}, body))
            await asyncio.sleep(0.01)  # let a closing endpoint's goodbye arrive
        await poster.close()
    return answers


async def test_deliveries_share_a_kept_connection_and_carry_what_was_given() -> None:
    endpoint = _Endpoint(b"HTTP/1.1 204 No Content\r\n\r\n")
    answers = await _post_to(endpoint, 3)
    assert [a.response_code for a in answers] == [204, 204, 204]
    assert all(a.error is None for a in answers)
    assert endpoint.connections == 1
    first = endpoint.requests[0]
    assert first.startswith(b"POST /in?x=1 HTTP/1.1\r\n")
    assert b"\r\nhost: 127.0.0.1:" in first and first.endswith(b'{"n": 0}')


async def test_a_connection_the_endpoint_closed_is_replaced() -> None:
    endpoint = _Endpoint(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", 1)
    answers = await _post_to(endpoint, 3)
    assert [a.response_code for a in answers] == [200, 200, 200]
    assert endpoint.connections == 3


async def test_chunked_and_close_delimited_answers_are_read_to_their_status() -> None:
    chunked = _Endpoint(
        b"HTTP/1.1 500 Oops\r\ntransfer-encoding: chunked\r\n\r\n5\r\nerror\r\n0\r\n\r\n"
    )
    assert [a.response_code for a in await _post_to(chunked, 2)] == [500, 500]
    assert chunked.connections == 1
    until_close = _Endpoint(b"HTTP/1.0 202 Accepted\r\n\r\nthanks", 1)
    answers = await _post_to(until_close, 2)
    assert [(a.response_code, a.error) for a in answers] == [(202, None), (202, None)]


async def test_a_long_answer_is_not_read_past_the_limit() -> None:
    endpoint = _Endpoint(b"HTTP/1.1 200 OK\r\ncontent-length: 10000000\r\n\r\n" + b"x" * 200_000)
    answers = await _post_to(endpoint, 2)
    assert [a.response_code for a in answers] == [200, 200]
    assert endpoint.connections == 2  # the unread rest makes the connection unusable


async def test_a_header_with_a_line_break_is_refused() -> None:
    poster = WebhookPoster(allow_loopback=True, timeout=5)
    answer = await poster.post("http://127.0.0.1:9/in", {"x-evil": "a\r\nhost: b"}, "{}")
    assert answer.response_code is None and answer.error and "line break" in answer.error


async def test_pools_left_unused_are_closed_and_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    """An endpoint deleted or moved to another URL posts no more: a keep-alive period later
    its kept connection is closed and its pool forgotten, while a pool in use stays."""
    endpoint = _Endpoint(b"HTTP/1.1 204 No Content\r\n\r\n")
    server = await asyncio.start_server(endpoint, "127.0.0.1", 0)
    number = server.sockets[0].getsockname()[1]
    clock = [1000.0]
    monkeypatch.setattr(connections, "_now", lambda: clock[0])
    async with server:
        poster = WebhookPoster(allow_loopback=True, timeout=5)
        old, new = f"http://127.0.0.1:{number}/old", f"http://127.0.0.1:{number}/new"
        assert (await poster.post(old, {}, "{}")).response_code == 204
        clock[0] += 20
        assert (await poster.post(new, {}, "{}")).response_code == 204
        clock[0] += connections.KEEP_ALIVE_SECONDS - 15
        assert (await poster.post(new, {}, "{}")).response_code == 204
        assert list(poster._pools) == [new]  # the old URL's pool is gone, its socket closed
        await asyncio.sleep(0.05)
        assert (endpoint.connections, endpoint.closed) == (2, 1)
        await poster.close()
