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
from typing import Any, cast
from urllib.parse import urlsplit

import httptools

from services.notifications.domain.webhook_addresses import RefusedAddressError, Target, target
from shared.http.guarded import (
    GuardedBackend,
    RefusedConnectionError,
    check_addresses,
    check_peer,
    resolve,
)

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
# How long a connection an endpoint left open is kept for its next delivery.
KEEP_ALIVE_SECONDS = 30.0
# The keep-alive clock: a name of its own, so a test can move it without moving asyncio's.
_now = time.monotonic


class WebhookPoster:
    """POSTs signed messages, each within `timeout` seconds, over a few kept-alive
    connections per endpoint that only go to addresses the rules allow.

    A small HTTP/1.1 client of its own (asyncio and httptools' C parser): httpx and httpcore
    cost most of the service's CPU at a hundred deliveries a second (their pool checks every
    connection's state through anyio on every request), and a delivery needs only a POST and
    the answer's status."""

    def __init__(self, *, allow_loopback: bool, timeout: float, per_endpoint: int = 4) -> None:
        self._timeout = timeout
        self._ssl = ssl.create_default_context()
        self._allow_loopback = allow_loopback
        self._per_endpoint = per_endpoint
        # A pool per endpoint (its URL: endpoints sharing a host keep apart, so a slow one
        # never holds another's connections).
        self._pools: dict[str, _EndpointPool] = {}
        self._tidied_at = _now()

    async def post(self, url: str, headers: dict[str, str], body: str) -> Answer:
        """One attempt; never raises for the endpoint's faults (they are the answer)."""
        started = time.monotonic()
        code: int | None = None
        error: str | None = None
        t = self._timeout
        self._tidy()
        try:
            async with asyncio.timeout(t):
                pool = self._pools.get(url)
                if pool is None:
                    where = target(url, allow_loopback=self._allow_loopback)
                    pool = self._pools[url] = _EndpointPool(
                        where,
                        self._ssl if where.scheme == "https" else None,
                        self._allow_loopback,
                        self._per_endpoint,
                    )
                code = await pool.post(_request(url, pool.where, headers, body.encode()))
            if not 200 <= code < 300:
                error = f"answered {code}" + (" (redirects are not followed)" if code < 400 else "")
        except TimeoutError:
            error = f"no answer within {t:g} s"
        except RefusedAddressError as exc:
            error = f"refused: {exc}"
        except (httptools.HttpParserError, ssl.SSLError, ConnectionError) as exc:
            error = f"could not connect or talk: {type(exc).__name__}: {exc}"[:300]
        except OSError as exc:
            error = f"could not connect: {exc}"[:300]
        return Answer(code, int((time.monotonic() - started) * 1000), error)

    async def close(self) -> None:
        """Close the connections kept open."""
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()

    def _tidy(self) -> None:
        """Once a keep-alive period: close every connection idle past it, and forget the pools
        left with nothing (an endpoint deleted or moved to another URL posts no more, so its
        pool would otherwise keep its sockets until the endpoint closed them)."""
        now = _now()
        if now - self._tidied_at < KEEP_ALIVE_SECONDS:
            return
        self._tidied_at = now
        for url, pool in list(self._pools.items()):
            if pool.close_stale(now):
                del self._pools[url]


def _request(url: str, where: Target, headers: dict[str, str], body: bytes) -> bytes:
    """The POST's bytes: the URL's path and query, its host, the headers, the body."""
    parts = urlsplit(url.strip())
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default = 443 if where.scheme == "https" else 80
    host = where.host if ":" not in where.host else f"[{where.host}]"
    lines = [
        f"POST {path} HTTP/1.1",
        f"host: {host}" + ("" if where.port == default else f":{where.port}"),
        "user-agent: mentornet-webhooks/1",
        f"content-length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    if any(c in line for line in lines for c in "\r\n"):
        raise RefusedAddressError("a header or the path carries a line break")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _EndpointPool:
    """Up to `size` connections to one endpoint, one request at a time each; idle ones are
    kept for `KEEP_ALIVE_SECONDS`."""

    def __init__(
        self, where: Target, tls: ssl.SSLContext | None, allow_loopback: bool, size: int
    ) -> None:
        self.where = where
        self._tls = tls
        self._allow_loopback = allow_loopback
        self._slots = asyncio.Semaphore(size)
        self._idle: list[_Connection] = []
        self._posting = 0  # requests waiting for a slot or under way

    async def post(self, request: bytes) -> int:
        """Send a request; the answer's status. A kept connection the endpoint has closed in
        the meantime is replaced once (Standard Webhooks receivers drop a repeated id)."""
        self._posting += 1
        try:
            return await self._post(request)
        finally:
            self._posting -= 1

    async def _post(self, request: bytes) -> int:
        async with self._slots:
            connection, kept = self._kept(), True
            if connection is None:
                connection, kept = await self._connect(), False
            try:
                status = await connection.send(request)
            except ConnectionError:
                connection.close()
                if not kept or connection.answered:
                    raise
                connection = await self._connect()
                status = await self._send(connection, request)
            except BaseException:
                connection.close()  # a late answer must not meet the next request
                raise
            if connection.reusable:
                connection.idle_since = _now()
                self._idle.append(connection)
            else:
                connection.close()
            return status

    @staticmethod
    async def _send(connection: _Connection, request: bytes) -> int:
        try:
            return await connection.send(request)
        except BaseException:
            connection.close()
            raise

    def _kept(self) -> _Connection | None:
        while self._idle:
            connection = self._idle.pop()  # the most recently used
            if connection.reusable and _now() - connection.idle_since < KEEP_ALIVE_SECONDS:
                return connection
            connection.close()
        return None

    async def _connect(self) -> _Connection:
        """Resolve, check every address, connect to a checked one, check the peer."""
        where = self.where
        addresses = await resolve(where.host, where.port)
        check_addresses(addresses, self._allow_loopback)
        _, connection = await asyncio.get_running_loop().create_connection(
            _Connection,
            str(addresses[0]),
            where.port,
            ssl=self._tls,
            server_hostname=where.host if self._tls is not None else None,
        )
        try:
            check_peer(connection.peer(), self._allow_loopback)
        except RefusedConnectionError:
            connection.close()
            raise
        return connection

    def close(self) -> None:
        """Close every idle connection."""
        for connection in self._idle:
            connection.close()
        self._idle.clear()

    def close_stale(self, now: float) -> bool:
        """Close the idle connections kept past `KEEP_ALIVE_SECONDS`; True if the pool is
        left with nothing (no connection kept, no request under way)."""
        fresh = [c for c in self._idle if now - c.idle_since < KEEP_ALIVE_SECONDS and c.reusable]
        for connection in self._idle:
            if connection not in fresh:
                connection.close()
        self._idle = fresh
        return not fresh and not self._posting


class _Connection(asyncio.Protocol):
    """One connection: one request at a time, its answer's status once the answer has ended
    (or once `ANSWER_READ_LIMIT` bytes of it are in: the rest is never read)."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[int] | None = None
        self._read = 0
        self._status: int | None = None  # the answer's, once its headers are in
        self.answered = False  # some of an answer arrived on this connection
        self.reusable = True
        self.idle_since = _now()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods.
        self._transport = cast(asyncio.Transport, transport)

    def peer(self) -> Any:
        """The peer name of the socket (its address first), None if unknown."""
        return self._transport.get_extra_info("peername") if self._transport else None

    def data_received(self, data: bytes) -> None:
        self.answered = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._end(exc)

    def on_headers_complete(self) -> None:  # httptools' callback
        self._status = self._parser.get_status_code()

    def on_body(self, body: bytes) -> None:  # httptools' callback
        self._read += len(body)
        if self._read > ANSWER_READ_LIMIT:  # enough: the status is all that counts
            self._end(self._parser.get_status_code())

    def on_message_complete(self) -> None:  # httptools' callback: the whole answer is in
        keep = self._parser.should_keep_alive()
        self._end(self._parser.get_status_code())
        self.reusable = self.reusable and keep

    def connection_lost(self, exc: Exception | None) -> None:
        self.reusable = False
        if self._status is not None:  # an answer whose end is the connection's end
            self._end(self._status)
        else:
            self._end(ConnectionResetError(str(exc) if exc else "the endpoint closed it"))

    def _end(self, outcome: int | BaseException) -> None:
        """Settle the request in hand; after anything but a whole answer the connection is
        not used again."""
        waiter, self._waiter = self._waiter, None
        if not isinstance(outcome, int) or self._read > ANSWER_READ_LIMIT:
            self.reusable = False
        if waiter is not None and not waiter.done():
            if isinstance(outcome, int):
                waiter.set_result(outcome)
            else:
                waiter.set_exception(outcome)

    async def send(self, request: bytes) -> int:
        """Write a request and wait for its answer's status."""
        if self._transport is None or not self.reusable:
            raise ConnectionResetError("the connection is closed")
        self._waiter = asyncio.get_running_loop().create_future()
        self._read = 0
        self._status = None
        self.answered = False
        self._transport.write(request)
        return await self._waiter

    def close(self) -> None:
        """Close the connection (it is not used again)."""
        self.reusable = False
        if self._transport is not None:
            self._transport.close()


def new_signing_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()
