"""The smallest service a supervisor can watch: answers /readyz with 200, nothing else.

Run by test_supervisor.py under uvicorn, as the local network runs a service
(`--factory tests.integration.supervised_app:create_app`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def create_app() -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """An ASGI app: 200 on /readyz, 404 elsewhere."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        status = 200 if scope["path"] == "/readyz" else 404
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok" if status == 200 else b""})

    return app
