"""Fair use: how often one caller may do something costly, answered 429 with `Retry-After`.

Built on `limits` (moving windows in memory). Each process counts on its own: with N replicas
of a service a caller gets up to N times a limit, and a restart forgets the counts. That is
enough to stop one client hammering a process (the aim); a network-wide count would need a
shared store (`limits` speaks Redis and MongoDB) and is not done.

A limit is written as `limits` parses it (`"30/minute"`, `"10 per 10 seconds"`) and read from
the service's settings, so a deployment can tighten or loosen it without code.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import HTTPException, Request
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from shared.http.errors import Problem


class RateLimitedError(HTTPException):
    """429: the caller did this too often; `Retry-After` says when it may again."""

    def __init__(self, what: str, retry_after: int) -> None:
        super().__init__(
            status_code=429,
            detail=f"too many {what}; try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


class RateLimit:
    """One limit (`"30/minute"`) on one kind of action, counted per key (a caller)."""

    def __init__(self, what: str, limit: str) -> None:
        self.what = what
        self.item: RateLimitItem = parse(limit)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def hit(self, *key: str) -> None:
        """Count one action for `key`, or raise RateLimitedError when over the limit."""
        if await self._limiter.hit(self.item, self.what, *key):
            return
        stats = await self._limiter.get_window_stats(self.item, self.what, *key)
        raise RateLimitedError(self.what, max(1, math.ceil(stats.reset_time - time.time())))


def client_address(request: Request) -> str:
    """Who is calling, for limits that have no signed-in person to count: the peer address
    (behind a proxy, the proxy must pass the client's address on to uvicorn, e.g. with
    `--forwarded-allow-ips`, or every caller shares one count)."""
    return request.client.host if request.client else "unknown"


def per_address(limit_name: str) -> Callable[[Request], Awaitable[None]]:
    """A route dependency counting each call against the app's `state.<limit_name>` limit,
    per caller address (for routes nobody has signed in to yet)."""

    async def count(request: Request) -> None:
        limit: RateLimit = getattr(request.app.state, limit_name)
        await limit.hit(client_address(request))

    return count


# For a limited route's OpenAPI `responses`.
TOO_OFTEN: dict[int | str, dict[str, Any]] = {
    429: {
        "model": Problem,
        "description": "called too often; `Retry-After` says in how many seconds to try again",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    }
}
