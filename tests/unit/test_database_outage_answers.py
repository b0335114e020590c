"""A database that cannot be reached is a 503 with `Retry-After`, in the problem format for the
services and as a page for the portal; a refusal or a bug stays what it is (a 409, a 500).
The same answers on real servers: tests/e2e/test_outages.py."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pymongo.errors import (
    AutoReconnect,
    ExecutionTimeout,
    NetworkTimeout,
    OperationFailure,
    PyMongoError,
    ServerSelectionTimeoutError,
)

from services.portal.adapters.error_pages import crash_page, install_error_pages
from services.portal.adapters.pages import Pages
from shared.http.errors import install_error_handlers
from shared.http.openapi import tell_the_truth
from shared.http.tracing import RequestTracing

OUTAGES = [
    ServerSelectionTimeoutError("127.0.0.1:27017: [Errno 111] Connection refused"),
    AutoReconnect("connection closed"),
    NetworkTimeout("timed out"),
    ExecutionTimeout("operation exceeded time limit", 50),
    OperationFailure("interrupted at shutdown", 11600),
]


def _raising(app: FastAPI, error: Exception) -> FastAPI:
    @app.get("/thing")
    async def thing() -> dict[str, str]:
        raise error

    return app


def _service(error: Exception) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestTracing)
    return _raising(app, error)


def _portal(error: Exception) -> FastAPI:
    app = FastAPI()
    install_error_pages(app, Pages())
    app.add_middleware(RequestTracing, error_page=crash_page)
    return _raising(app, error)


async def _get(app: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/thing")


@pytest.mark.parametrize("error", OUTAGES, ids=lambda e: type(e).__name__)
async def test_a_service_answers_503_with_retry_after_while_the_database_is_down(
    error: Exception,
) -> None:
    answer = await _get(_service(error))
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["retry-after"]) > 0
    assert answer.json()["error"] == "unavailable"


@pytest.mark.parametrize("error", OUTAGES, ids=lambda e: type(e).__name__)
async def test_the_portal_shows_its_503_page_with_retry_after(error: Exception) -> None:
    answer = await _get(_portal(error))
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["retry-after"]) > 0
    assert "not answering" in answer.text


@pytest.mark.parametrize(
    "error",
    [PyMongoError("a bug of ours"), OperationFailure("bad query", 2)],
    ids=["PyMongoError", "OperationFailure"],
)
async def test_other_database_errors_are_not_taken_for_an_outage(error: Exception) -> None:
    for app in (_service(error), _portal(error)):
        answer = await _get(app)
        assert answer.status_code == 500
        assert "retry-after" not in answer.headers


def test_every_operation_but_liveness_documents_its_503() -> None:
    app = _service(ServerSelectionTimeoutError("down"))
    tell_the_truth(app)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    paths = app.openapi()["paths"]
    unavailable = paths["/thing"]["get"]["responses"]["503"]
    assert "Retry-After" in unavailable["headers"]
    assert unavailable["content"]["application/json"]["schema"]["$ref"].endswith("/Problem")
    assert "503" not in paths["/healthz"]["get"]["responses"]
