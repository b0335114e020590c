"""A partner's systems for the bench: one small HTTP server on loopback, in a thread of its own
(its own event loop, so arrivals are timed when they arrive, whatever the bench is doing),
noting when each request came. `/slow/...` answers after a delay; everything else at once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Arrival:
    """One request: where it went, when it arrived (epoch seconds), what it carried."""

    path: str
    at: float
    body: bytes
    webhook_id: str


@dataclass
class Receiver:
    """The server and what reached it."""

    port: int
    slow_seconds: float
    arrivals: list[Arrival] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    def url(self, path: str) -> str:
        """The full URL of one of its paths."""
        return f"http://127.0.0.1:{self.port}{path}"

    def count(self, prefix: str) -> int:
        """How many requests reached paths starting with `prefix`."""
        with self._lock:
            return sum(1 for a in self.arrivals if a.path.startswith(prefix))

    def taken(self, prefix: str) -> list[Arrival]:
        """The requests to paths starting with `prefix`."""
        with self._lock:
            return [a for a in self.arrivals if a.path.startswith(prefix)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        at = time.time()
        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        with self._lock:
            self.arrivals.append(
                Arrival(scope["path"], at, b"".join(chunks), headers.get("webhook-id", ""))
            )
        if scope["path"].startswith("/slow"):
            await asyncio.sleep(self.slow_seconds)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def start(self) -> None:
        """Serve in a thread; return once it listens."""
        config = uvicorn.Config(
            self,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            timeout_keep_alive=30,
            backlog=2048,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="receiver", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the receiver did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
