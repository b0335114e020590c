"""The body limit reads no more than a route's limit (pure ASGI, no server)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.types import Message

from shared.http.body_limit import BodyLimit
from shared.http.errors import install_error_handlers

KB = 1024


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/small")
    async def small(request: Request) -> dict[str, int]:
        return {"read": len(await request.body())}

    @app.post("/uploads/{upload_id}")
    async def upload(upload_id: str, request: Request) -> dict[str, int]:
        return {"read": len(await request.body())}

    app.add_middleware(BodyLimit, limits={"/uploads/{upload_id}": 64 * KB}, default=16 * KB)
    return app


async def _post(path: str, chunks: int, headers: list[tuple[bytes, bytes]]) -> tuple[int, int]:
    """POST `chunks` chunks of 1 KB; the status, and how many chunks the app pulled."""
    pulled = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * KB, "more_body": pulled < chunks}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    await _app()(scope, receive, send)
    return int(sent[0]["status"]), pulled


CHUNKED = [(b"transfer-encoding", b"chunked")]


async def test_a_chunked_body_is_cut_off_at_the_limit() -> None:
    assert await _post("/small", 1000, CHUNKED) == (413, 17)  # 16 KB allowed, the 17th cuts
    assert await _post("/small", 16, CHUNKED) == (200, 16)


async def test_a_route_with_its_own_limit_takes_more() -> None:
    assert await _post("/uploads/u1", 64, CHUNKED) == (200, 64)
    assert await _post("/uploads/u1", 1000, CHUNKED) == (413, 65)


async def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    declared = [(b"content-length", str(10**9).encode())]
    assert await _post("/small", 1000, declared) == (413, 0)
    assert await _post("/uploads/u1", 1000, declared) == (413, 0)
