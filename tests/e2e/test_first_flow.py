"""The first real flow: an organisation joins through the registry's API, and matching,
sessions and evaluation each learn of it from `organisation.joined`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx

from tests.e2e.conftest import World
from tests.e2e.consumed import topic_end, wait_consumed, wait_outbox_published


def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll until `check()` holds (events take a moment to travel)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not true after {timeout:.0f}s: {check.__doc__}")


def test_every_service_is_alive_ready_and_documented(world: World) -> None:
    for process in world.services.values():
        assert httpx.get(f"{process.url}/healthz").json() == {"status": "alive", "checks": {}}
        ready = httpx.get(f"{process.url}/readyz")
        assert ready.status_code == 200, ready.text
        assert all(ready.json()["checks"].values())
        spec = httpx.get(f"{process.url}/openapi.json").json()
        assert spec["info"]["title"] == f"mentornet {process.service}"


def test_an_organisation_that_joins_reaches_every_service(world: World) -> None:
    registry, evaluation = world.url("registry"), world.url("evaluation")
    with world.reader(world.coordinator) as http:
        before = http.get(f"{evaluation}/network/statistics").json()["organisations"]
        response = http.post(
            f"{registry}/organisations",
            json={
                "name": "Kowhai Engineering",
                "sector": "engineering",
                "country": "NZ",
                "admin_emails": ["lead@kowhai.example"],
            },
            headers={"x-correlation-id": "e2e-join-1"},
        )
        assert response.status_code == 201, response.text
        assert response.headers["x-correlation-id"] == "e2e-join-1"
        organisation = response.json()

        def evaluation_counts_it() -> bool:
            """evaluation counts the new organisation"""
            stats = http.get(f"{evaluation}/network/statistics").json()
            return bool(stats["organisations"] == before + 1)

        eventually(evaluation_counts_it)
        for service in ("matching", "sessions", "evaluation"):

            def knows_it(url: str = world.url(service)) -> bool:
                """the service's read model has the organisation"""
                known = http.get(f"{url}/organisations").json()
                return any(o["id"] == organisation["id"] for o in known)

            eventually(knows_it)
            known = http.get(f"{world.url(service)}/organisations").json()
            mine = next(o for o in known if o["id"] == organisation["id"])
            assert mine["name"] == "Kowhai Engineering"
            assert mine["sector"] == "engineering"

        assert http.get(f"{registry}/organisations/{organisation['id']}").json() == organisation

    # One correlation id follows the action from the request into every consumer's logs.
    for service in ("registry", "matching", "sessions", "evaluation"):
        log = world.services[service].log_path.read_text().splitlines()
        lines = [json.loads(line) for line in log if line.startswith("{")]
        assert any(line.get("correlation_id") == "e2e-join-1" for line in lines), service


def test_bad_input_gets_a_reason_and_changes_nothing(world: World) -> None:
    registry, evaluation = world.url("registry"), world.url("evaluation")
    with world.reader(world.coordinator) as http:
        count = http.get(f"{evaluation}/network/statistics").json()["organisations"]

        duplicate = http.post(
            f"{registry}/organisations",
            json={"name": "alder  CARE trust", "admin_emails": ["x@y.example"]},
        )
        assert duplicate.status_code == 409
        assert "already in the network" in duplicate.json()["detail"]

        invalid = http.post(
            f"{registry}/organisations", json={"name": "X", "country": "Gbr", "colour": "red"}
        )
        assert invalid.status_code == 422
        assert set(invalid.json()["fields"]) == {"name", "country", "colour", "admin_emails"}

        not_json = http.post(
            f"{registry}/organisations",
            content=b"{name:",
            headers={"content-type": "application/json"},
        )
        assert not_json.status_code == 422

        assert http.get(f"{registry}/organisations/org_000000000000").status_code == 404
        assert http.get(f"{registry}/organisations/..%2F..%2Fetc").status_code in (404, 422)

        # Whatever the registry staged is on its topic, and evaluation has read all of it.
        wait_outbox_published(world, "registry")
        wait_consumed(world, "evaluation", topic_end(world, "registry"))
        assert http.get(f"{evaluation}/network/statistics").json()["organisations"] == count
