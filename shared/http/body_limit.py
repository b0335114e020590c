"""Request bodies over a route's limit are refused (413) before they are read.

FastAPI reads and parses a JSON body whole before any dependency runs, so a request without a
token still makes the process hold (and parse) whatever it was sent before answering 401: one
300 MB body grew a service by 600 MB. This plain ASGI middleware sits before routing:

- a declared `Content-Length` over the route's limit is answered 413 at once, nothing read;
- a body without one (chunked) is counted as it arrives, and the request is cut off with a 413
  as soon as it passes the limit, so no more than the limit is ever held.

Every route gets `DEFAULT_BODY_LIMIT`; a route that takes more (a bulk upload, which streams and
checks its own limit too) names its path template and limit in `BodyLimits`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Every JSON or form body in the network is a few kilobytes; 1 MiB leaves room for any of them.
DEFAULT_BODY_LIMIT = 1024 * 1024

BodyLimits = Mapping[str, int]  # route path template -> bytes its body may have


class BodyTooLargeError(HTTPException):
    """Raised from `receive` when a streamed body passes the limit; FastAPI lets an
    HTTPException out of its body reading as it is, so the answer is a 413, not a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_detail(limit))
        self.limit = limit


def too_large_detail(limit: int) -> str:
    """The reason a refused body is given, in whole kilobytes or megabytes."""
    if limit >= 1024 * 1024:
        return f"the request body is over {limit // (1024 * 1024)} MB, the most this route takes"
    return f"the request body is over {limit // 1024} KB, the most this route takes"


class BodyLimit:
    """Refuses request bodies over their route's limit, before reading them."""

    def __init__(
        self, app: ASGIApp, limits: BodyLimits | None = None, default: int = DEFAULT_BODY_LIMIT
    ) -> None:
        self.app = app
        # Path templates compiled as the router compiles them, matched against the path.
        self.limits = [(compile_path(path)[0], limit) for path, limit in (limits or {}).items()]
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is None and "transfer-encoding" not in headers:
            # No length and not chunked: HTTP/1.1 framing says there is no body (every GET).
            await self.app(scope, receive, send)
            return
        if declared is not None and declared.isdigit():
            length = int(declared)
            if length <= self.default:  # the common case: no route lookup at all
                await self.app(scope, receive, send)
                return
            limit = self._limit(scope)
            if length > limit:
                await _refuse(send, limit)
                return
            await self.app(scope, receive, send)
            return
        await self._counted(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A body of unknown length: pass it on while counting, stop at the limit."""
        received = 0
        limit: int | None = None
        started = False

        async def counting_receive() -> Message:
            nonlocal received, limit
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.default:
                    limit = limit if limit is not None else self._limit(scope)
                    if received > limit:
                        raise BodyTooLargeError(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLargeError as exc:  # raised where no handler turned it into an answer
            if not started:
                await _refuse(send, exc.limit)

    def _limit(self, scope: Scope) -> int:
        """The limit of the route this request goes to (the default if none names one)."""
        path = str(scope.get("path", ""))
        for pattern, limit in self.limits:
            if pattern.match(path):
                return limit
        return self.default


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps(
        {"error": "too_large", "detail": too_large_detail(limit), "fields": {}}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                # The rest of the body is never read: the connection cannot be reused.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
