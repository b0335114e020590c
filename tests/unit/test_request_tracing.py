"""Request ids, the 500 shape and the request log's paths (`shared.http.tracing`)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.http import tracing
from shared.http.tracing import RequestTracing


def app() -> FastAPI:
    built = FastAPI()
    built.add_middleware(RequestTracing)

    @built.get("/ok")
    async def ok() -> dict[str, str]:
        return {"ok": "yes"}

    @built.get("/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError("a bug of ours")

    @built.get("/calendar/{token}.ics")
    async def feed(token: str) -> dict[str, int]:
        return {"length": len(token)}

    return built


def test_each_response_carries_its_request_and_correlation_ids() -> None:
    with TestClient(app()) as client:
        fresh = client.get("/ok")
        kept = client.get("/ok", headers={"x-request-id": "r-1", "x-correlation-id": "c-1"})
    assert fresh.status_code == 200 and len(fresh.headers["x-request-id"]) == 36
    assert fresh.headers["x-correlation-id"] == fresh.headers["x-request-id"]
    assert (kept.headers["x-request-id"], kept.headers["x-correlation-id"]) == ("r-1", "c-1")


def test_an_unhandled_error_is_our_500_shape_naming_the_request() -> None:
    with TestClient(app(), raise_server_exceptions=False) as client:
        failed = client.get("/boom", headers={"x-request-id": "r-2"})
    assert failed.status_code == 500
    assert failed.json() == {
        "error": "internal",
        "detail": "something went wrong on our side",
        "request_id": "r-2",
    }
    assert failed.headers["x-request-id"] == "r-2"


class Recorder:
    """Stands in for the module's logger: keeps what was logged."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def info(self, event: str, **fields: Any) -> None:
        self.lines.append({"event": event, **fields})

    def exception(self, event: str, **fields: Any) -> None:
        self.lines.append({"event": event, **fields})


def test_a_secret_in_the_path_is_logged_by_its_template(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    monkeypatch.setattr(tracing, "log", recorder)
    with TestClient(app()) as client:
        assert client.get("/calendar/cal.s3cr3t-t0ken.ics").status_code == 200
        assert client.get("/ok").status_code == 200
    assert [(line["path"], line["status"]) for line in recorder.lines] == [
        ("/calendar/{token}.ics", 200),
        ("/ok", 200),
    ]
    assert "s3cr3t-t0ken" not in repr(recorder.lines)
