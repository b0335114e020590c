"""The OpenAPI document says what the service really sends.

FastAPI documents every validation failure as its own `HTTPValidationError` (`detail` as a
list), but our handler (`shared.http.errors`) answers with the problem format (`error`,
`detail`, `fields`); and it documents a route whose status is a redirect as a JSON body. This
rewrites the generated document once, for every operation, so that generated clients and
contract tests read the truth:

- every 422 is a `Problem`, and `HTTPValidationError` / `ValidationError` are gone;
- every 3xx has no body and a `Location` header;
- every operation that takes a bearer token documents its 401, and every operation that takes
  a body its 413 (`shared.http.body_limit` answers it before the route runs);
- every operation but `/healthz` documents its 503 with `Retry-After`: the database is not
  answering (`shared.http.errors.unavailable_problem`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from shared.http.errors import Problem

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_INVALID = "the request does not have the expected shape; `fields` says where"
_FASTAPI_INVALID = "Validation Error"
_FASTAPI_SCHEMAS = ("HTTPValidationError", "ValidationError")


def tell_the_truth(app: FastAPI) -> None:
    """Make `app.openapi()` document the problem format for 422s and redirects as redirects."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = corrected(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def corrected(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every operation's 422 and 3xx answers as they are sent (in place)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Problem", Problem.model_json_schema(ref_template=_ref_template()))
    for path, path_item in document.get("paths", {}).items():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if operation.get("security"):
                responses.setdefault("401", _problem("no valid network token"))
            if "requestBody" in operation:
                responses.setdefault("413", _problem("the request body is over the route's limit"))
            if path != "/healthz":
                responses.setdefault("503", _unavailable())
            for status, response in responses.items():
                if status == "422":
                    _as_problem(response)
                elif str(status).startswith("3"):
                    _as_redirect(response)
    for name in _FASTAPI_SCHEMAS:
        schemas.pop(name, None)
    return document


def _ref_template() -> str:
    return "#/components/schemas/{model}"


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _PROBLEM_REF}}}


def _unavailable() -> dict[str, Any]:
    return {
        **_problem("the database is not answering; `Retry-After` says when to try again"),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    }


def _as_problem(response: dict[str, Any]) -> None:
    if response.get("description") in (None, "", _FASTAPI_INVALID):
        response["description"] = _INVALID
    response["content"] = {"application/json": {"schema": dict(_PROBLEM_REF)}}


def _as_redirect(response: dict[str, Any]) -> None:
    response.pop("content", None)
    headers = response.setdefault("headers", {})
    headers.setdefault(
        "Location",
        {"description": "where to go next", "schema": {"type": "string", "format": "uri"}},
    )
