"""A rule's refusal can name the request's fields it concerns, so a form shows each reason
beside its field (a taken organisation name, a taken e-mail domain)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.errors import ConflictError, NotFoundError
from shared.http.errors import install_error_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/taken")
    async def taken() -> None:
        raise ConflictError("an organisation named 'X' exists", {"name": "already taken"})

    @app.get("/missing")
    async def missing() -> None:
        raise NotFoundError("no such thing")

    return app


def test_a_refusal_names_its_fields_and_one_without_names_none() -> None:
    client = TestClient(_app())
    taken = client.get("/taken")
    assert taken.status_code == 409
    assert taken.json() == {
        "error": "conflict",
        "detail": "an organisation named 'X' exists",
        "fields": {"name": "already taken"},
    }
    missing = client.get("/missing")
    assert missing.status_code == 404 and missing.json()["fields"] == {}
