"""Request ids, correlation ids and the request log, as a plain ASGI middleware.

Plain ASGI rather than Starlette's `BaseHTTPMiddleware` (what `@app.middleware("http")`
builds): that one runs every request through an extra task and a memory stream, which bench/api
measured among the larger costs of a sessions request. This one only wraps `send`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logging import correlation_id_var, get_logger, request_id_var
from shared.randomness import random_uuid

log = get_logger(__name__)


def loggable_path(scope: Scope) -> str:
    """The path for the request log. A route whose path carries a credential (a `{token}`
    parameter, e.g. a calendar feed's secret URL) is logged by its template, never with it."""
    template = getattr(scope.get("route"), "path", None)
    if isinstance(template, str) and "{token}" in template:
        return template
    return str(scope.get("path", ""))


class RequestTracing:
    """Gives each request an id (`x-request-id`, kept from the caller if sent) and a
    correlation id (`x-correlation-id`, else the request id), both in the logs' context and
    on the response; logs one line per request; turns an unhandled error into our 500 shape
    (or into `error_page(request_id)`, for an app people read in a browser)."""

    def __init__(self, app: ASGIApp, error_page: Callable[[str], Response] | None = None) -> None:
        self.app = app
        self.error_page = error_page or _problem

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = headers.get("x-request-id") or str(random_uuid())
        correlation_id = headers.get("x-correlation-id") or request_id
        rtoken = request_id_var.set(request_id)
        ctoken = correlation_id_var.set(correlation_id)
        started = time.perf_counter()
        status: int | None = None

        async def traced(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                mutable = MutableHeaders(scope=message)
                mutable["x-request-id"] = request_id
                mutable["x-correlation-id"] = correlation_id
            await send(message)

        try:
            await self.app(scope, receive, traced)
        except Exception:
            log.exception("unhandled error")
            if status is None:  # nothing sent yet: answer in our shape
                await self.error_page(request_id)(scope, receive, traced)
        else:
            log.info(
                "request",
                method=scope["method"],
                path=loggable_path(scope),
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
        finally:
            request_id_var.reset(rtoken)
            correlation_id_var.reset(ctoken)


def _problem(request_id: str) -> Response:
    return JSONResponse(
        {
            "error": "internal",
            "detail": "something went wrong on our side",
            "request_id": request_id,
        },
        status_code=500,
    )
