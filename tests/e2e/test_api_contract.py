"""Every service's OpenAPI document tells the truth about what it sends.

Each service's `/openapi.json` is read from the running process, every operation is called
(with bad input, made-up ids, no token and a real one — never with a body that could be
accepted, so nothing changes), and every answer is checked against the document: its status
must be documented for that operation, and a JSON body must match the documented schema. Bad
input must come back as the documented problem format (`error`, `detail`, `fields`), not the
`HTTPValidationError` FastAPI documents by default; a redirect must be documented as one.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from deploy.localnet.identity import bearer
from tests.e2e.conftest import World

pytestmark = pytest.mark.e2e

SERVICES = ("registry", "matching", "sessions", "evaluation", "notifications")
# Streams and feeds answer something other than JSON; their statuses are still checked.
NOT_JSON = ("text/event-stream", "text/calendar", "text/csv")


class Contract:
    """One service's document, and the mismatches found against it."""

    def __init__(self, service: str, document: dict[str, Any]) -> None:
        self.service = service
        self.document = document
        self.mismatches: list[str] = []
        self.checked = 0

    def check(self, template: str, method: str, answer: httpx.Response) -> None:
        """Compare one real answer with what the document says this operation sends."""
        self.checked += 1
        where = f"{self.service} {method.upper()} {template} -> {answer.status_code}"
        responses = self.document["paths"][template][method]["responses"]
        documented = responses.get(str(answer.status_code)) or responses.get("default")
        if documented is None:
            self.mismatches.append(f"{where}: status not documented ({sorted(responses)})")
            return
        if 300 <= answer.status_code < 400:
            if "content" in documented:
                self.mismatches.append(f"{where}: a redirect documented with a body")
            return
        kind = answer.headers.get("content-type", "").split(";")[0]
        if kind != "application/json" or not answer.content:
            return
        schema = documented.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            self.mismatches.append(f"{where}: JSON sent, none documented")
            return
        validator = Draft202012Validator({**schema, "components": self.document["components"]})
        try:
            validator.validate(answer.json())
        except ValidationError as exc:
            self.mismatches.append(f"{where}: {exc.message[:200]} (at {list(exc.absolute_path)})")


def _placeholder(parameter: dict[str, Any]) -> str:
    schema = parameter.get("schema", {})
    return "0" if schema.get("type") == "integer" else "no-such-id"


def _bad_body(operation: dict[str, Any]) -> tuple[dict[str, str], bytes] | None:
    """A body no operation accepts: a bare JSON string where an object or array is due."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return {"content-type": "application/json"}, json.dumps("not a body").encode()
    if "application/x-www-form-urlencoded" in content or "multipart/form-data" in content:
        return {"content-type": "application/x-www-form-urlencoded"}, b"unknown=1"
    return None


def _sweep(world: World, service: str, client: httpx.Client) -> Contract:
    document = client.get(f"{world.url(service)}/openapi.json").json()
    contract = Contract(service, document)
    callers = {
        "nobody": {},
        "admin": bearer(world.a.admin),
        "coordinator": bearer(world.coordinator),
    }
    for template, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            path = template
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    path = path.replace(f"{{{parameter['name']}}}", _placeholder(parameter))
            has_path_ids = path != template
            body = _bad_body(operation)
            if method != "get" and body is None and not has_path_ids:
                continue  # an action without input or ids could act: never sent
            for headers in callers.values():
                if "text/event-stream" in json.dumps(operation.get("responses", {})):
                    continue  # a stream stays open; its refusals are the same as a page's
                sent_headers = {**headers, **(body[0] if body else {})}
                answer = client.request(
                    method,
                    f"{world.url(service)}{path}",
                    headers=sent_headers,
                    content=body[1] if body else None,
                    params={"limit": "not-a-number"} if method == "get" else None,
                )
                contract.check(template, method, answer)
    return contract


@pytest.mark.parametrize("service", SERVICES)
def test_every_answer_matches_the_openapi_document(world: World, service: str) -> None:
    with httpx.Client(timeout=30, follow_redirects=False) as client:
        contract = _sweep(world, service, client)
    print(f"{service}: {contract.checked} answers checked, {len(contract.mismatches)} mismatches")
    assert contract.checked > 10
    assert not contract.mismatches, "\n".join(contract.mismatches)


def test_validation_failures_are_documented_as_problems(world: World) -> None:
    for service in SERVICES:
        document = httpx.get(f"{world.url(service)}/openapi.json", timeout=15).json()
        schemas = document["components"]["schemas"]
        assert "HTTPValidationError" not in schemas
        for template, item in document["paths"].items():
            for method, operation in item.items():
                invalid = operation.get("responses", {}).get("422")
                if invalid is not None:
                    schema = invalid["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Problem"}, (template, method)


def test_sign_in_start_is_documented_as_the_redirect_it_is(world: World) -> None:
    registry = world.url("registry")
    document = httpx.get(f"{registry}/openapi.json", timeout=15).json()
    login = document["paths"]["/auth/login/{organisation_id}"]["get"]["responses"]
    assert "content" not in login["302"]
    assert "Location" in login["302"]["headers"]
    answer = httpx.get(f"{registry}/auth/login/{world.a.id}", timeout=15)
    assert answer.status_code == 302
    assert answer.headers["location"].startswith(world.a.provider.issuer)
