"""An open-loop HTTP load generator, run in a process of its own (bench/api's generator).

Open loop: request i is due at start + i/rate whether or not earlier ones have answered, and its
latency runs from when it was due, so a slow server (or a lagging generator) shows up as latency
instead of quietly lowering the offered rate (no coordinated omission).

The client is a small HTTP/1.1 keep-alive pool on asyncio (uvloop) with httptools' response
parser — both come with uvicorn[standard]. httpx was the first choice, but it spent ~1.3 ms of
CPU per request here (0.63 of a core at 500 requests/s) against ~0.2 ms for the bare uvicorn
endpoint it was measuring: on a 2-core machine the generator would have taken a third of the
machine from the server under test. Every request is serialised before the step starts.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlparse

import httptools

PROGRESS_SECONDS = 5.0
# uvicorn closes a keep-alive connection idle for 5 s; one idle this long is not reused, so a
# request is never written onto a connection the server is closing.
IDLE_REUSE_SECONDS = 4.0
TIMEOUT = -1  # status of a request that took longer than the step's timeout
TRANSPORT = 0  # status of a request that failed below HTTP (refused, reset, bad response)

# (kind, method, path, caller index, JSON body or None)
PlannedRequest = tuple[str, str, str, int, bytes | None]
# One request as the scheduler starts it: awaiting it answers its status.
Call = Callable[[], Awaitable[int]]


@dataclass
class StepPlan:
    """One step: where, how fast, and every request in order (`headers[caller]` is that
    caller's header lines, e.g. `{"Authorization": "Bearer ..."}`)."""

    label: str
    base_url: str
    rate: float
    timeout: float
    connections: int
    headers: list[dict[str, str]]
    requests: list[PlannedRequest]


@dataclass
class StepResult:
    """What the generator saw: per kind, each request's latency (ms, from when it was due)
    and status (HTTP status, TRANSPORT or TIMEOUT)."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, list[int]] = field(default_factory=dict)
    # When each of those requests was due (s from the step's start), in the same order: the
    # latency over time shows a stall (a pause of the server, a burst of another process).
    due_at: dict[str, list[float]] = field(default_factory=dict)
    send_seconds: float = 0.0  # due time of the first request → the last one sent
    last_answer_seconds: float = 0.0  # due time of the first request → the last answer
    late_sends: int = 0  # requests sent more than 5 ms after they were due
    transport_errors: dict[str, int] = field(default_factory=dict)  # by exception type
    cpu_seconds: float = 0.0  # the generator's own CPU time in the step


def serialise(
    host: str, method: str, path: str, headers: dict[str, str], body: bytes | None
) -> bytes:
    """One HTTP/1.1 request, as bytes on the wire."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


class _Connection(asyncio.Protocol):
    """One keep-alive connection: one request at a time, its status when the response ends."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[int] | None = None
        self.closed = False
        self.reusable = True
        self.idle_since = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)
            self.close()

    def on_message_complete(self) -> None:  # httptools' callback: a whole response is in
        self.reusable = self._parser.should_keep_alive()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(self._parser.get_status_code())
        self._waiter = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(exc or ConnectionResetError("the server closed the connection"))

    def _fail(self, exc: BaseException) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)
        self._waiter = None

    async def send(self, request: bytes) -> int:
        """Write a request and wait for its response's status."""
        assert self._transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self._transport.write(request)
        return await self._waiter

    def close(self) -> None:
        """Close the connection (it is not reused)."""
        self.closed = True
        if self._transport is not None:
            self._transport.close()


class _Pool:
    """Up to `size` keep-alive connections to one host; a request waits for a free one (that
    wait counts in its latency, as a browser's would)."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self._host, self._port = host, port
        self._slots = asyncio.Semaphore(size)
        self._idle: list[_Connection] = []

    async def request(self, raw: bytes) -> int:
        """Send one serialised request; its status. Cancelling it (a timeout) closes its
        connection, whose answer would otherwise arrive for the next request."""
        async with self._slots:
            connection = await self._connection()
            try:
                status = await connection.send(raw)
            except BaseException:
                connection.close()
                raise
            if connection.reusable and not connection.closed:
                connection.idle_since = time.monotonic()
                self._idle.append(connection)
            else:
                connection.close()
            return status

    async def _connection(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()  # the most recently used: the warmest
            if (
                not connection.closed
                and time.monotonic() - connection.idle_since < IDLE_REUSE_SECONDS
            ):
                return connection
            connection.close()
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(_Connection, self._host, self._port)
        return connection

    def close(self) -> None:
        """Close every idle connection."""
        for connection in self._idle:
            connection.close()
        self._idle.clear()


def drive(plan: StepPlan) -> StepResult:
    """Run one open-loop step (the entry point in the generator process)."""
    import uvloop  # only the generator's loop; imported here so the parent never needs it

    started_cpu = time.process_time()
    result = uvloop.run(_drive(plan))
    result.cpu_seconds = time.process_time() - started_cpu
    return result


def _serialised(plan: StepPlan) -> list[bytes]:
    url = urlparse(plan.base_url)
    host = url.netloc
    return [
        serialise(host, method, path, plan.headers[caller], body)
        for _, method, path, caller, body in plan.requests
    ]


async def _drive(plan: StepPlan) -> StepResult:
    url = urlparse(plan.base_url)
    pool = _Pool(url.hostname or "127.0.0.1", url.port or 80, plan.connections)
    wire = _serialised(plan)
    calls = [
        (kind, functools.partial(pool.request, raw))
        for (kind, *_), raw in zip(plan.requests, wire, strict=True)
    ]
    try:
        return await schedule(plan.label, plan.rate, plan.timeout, calls)
    finally:
        pool.close()


async def schedule(
    label: str, rate: float, limit: float, calls: Sequence[tuple[str, Call]]
) -> StepResult:
    """Start call i at start + i/rate whatever the earlier ones are doing; each one's latency
    (from when it was due) and status by kind. A call is anything that answers a status: a
    raw HTTP request here, a page made in-process elsewhere (bench/_portal_direct). A call
    still unanswered after `limit` seconds is a TIMEOUT."""
    result = StepResult()
    answered = 0
    errors = 0
    # perf_counter, not loop.time(): uvloop's loop clock moves in whole milliseconds.
    now = time.perf_counter

    async def one(kind: str, call: Call, due: float) -> None:
        nonlocal answered, errors
        try:
            async with asyncio.timeout(limit):
                status = await call()
        except TimeoutError:
            status = TIMEOUT
        except Exception as exc:  # any failure below HTTP is counted, by its type
            status = TRANSPORT
            name = type(exc).__name__
            result.transport_errors[name] = result.transport_errors.get(name, 0) + 1
        result.latencies.setdefault(kind, []).append((now() - due) * 1000)
        result.due_at.setdefault(kind, []).append(due - start)
        result.statuses.setdefault(kind, []).append(status)
        answered += 1
        errors += not 200 <= status < 300

    start = now() + 0.1
    next_report = start + PROGRESS_SECONDS
    tasks: set[asyncio.Task[None]] = set()
    total = len(calls)
    for i, (kind, call) in enumerate(calls):
        due = start + i / rate
        delay = due - now()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.005:
            result.late_sends += 1
        task = asyncio.create_task(one(kind, call, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        if now() >= next_report:
            next_report += PROGRESS_SECONDS
            print(
                f"  {label}: {now() - start:4.0f} s, {i + 1}/{total} sent, "
                f"{answered} answered, {errors} errors, {len(tasks)} in flight",
                flush=True,
            )
    result.send_seconds = now() - start
    while tasks:
        await asyncio.wait(set(tasks), timeout=PROGRESS_SECONDS)
        if tasks:
            print(f"  {label}: waiting for {len(tasks)} answers", flush=True)
    result.last_answer_seconds = now() - start
    return result
