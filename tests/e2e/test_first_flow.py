"""The first real flow: an organisation joins through the registry's API, and matching,
sessions and evaluation each learn of it from `organisation.joined`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx

from deploy.localnet.processes import ServiceProcess

Network = dict[str, ServiceProcess]


def _eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not true after {timeout:.0f}s: {check.__doc__}")


def test_every_service_is_alive_ready_and_documented(network: Network) -> None:
    for process in network.values():
        assert httpx.get(f"{process.url}/healthz").json() == {"status": "alive", "checks": {}}
        ready = httpx.get(f"{process.url}/readyz")
        assert ready.status_code == 200, ready.text
        assert all(ready.json()["checks"].values())
        spec = httpx.get(f"{process.url}/openapi.json").json()
        assert spec["info"]["title"] == f"mentornet {process.service}"


def test_an_organisation_that_joins_reaches_every_service(network: Network) -> None:
    registry, evaluation = network["registry"].url, network["evaluation"].url
    before = httpx.get(f"{evaluation}/network/statistics").json()["organisations"]

    response = httpx.post(
        f"{registry}/organisations",
        json={"name": "Kowhai Engineering", "sector": "engineering", "country": "NZ"},
        headers={"x-correlation-id": "e2e-join-1"},
    )
    assert response.status_code == 201, response.text
    assert response.headers["x-correlation-id"] == "e2e-join-1"
    organisation = response.json()

    def evaluation_counts_it() -> bool:
        """evaluation counts the new organisation"""
        stats = httpx.get(f"{evaluation}/network/statistics").json()
        return bool(stats["organisations"] == before + 1)

    _eventually(evaluation_counts_it)
    for service in ("matching", "sessions", "evaluation"):

        def knows_it(url: str = network[service].url) -> bool:
            """the service's read model has the organisation"""
            known = httpx.get(f"{url}/organisations").json()
            return any(o["id"] == organisation["id"] for o in known)

        _eventually(knows_it)
        known = httpx.get(f"{network[service].url}/organisations").json()
        mine = next(o for o in known if o["id"] == organisation["id"])
        assert mine["name"] == "Kowhai Engineering"
        assert mine["sector"] == "engineering"

    assert httpx.get(f"{registry}/organisations/{organisation['id']}").json() == organisation

    # One correlation id follows the action from the request into every consumer's logs.
    for service in ("registry", "matching", "sessions", "evaluation"):
        lines = [
            json.loads(line)
            for line in network[service].log_path.read_text().splitlines()
            if line.startswith("{")
        ]
        assert any(line.get("correlation_id") == "e2e-join-1" for line in lines), service


def test_bad_input_gets_a_reason_and_changes_nothing(network: Network) -> None:
    registry, evaluation = network["registry"].url, network["evaluation"].url
    first = httpx.post(f"{registry}/organisations", json={"name": "Harbour City Council"})
    assert first.status_code == 201
    _eventually(
        lambda: any(
            o["name"] == "Harbour City Council"
            for o in httpx.get(f"{evaluation}/organisations").json()
        )
    )
    count = httpx.get(f"{evaluation}/network/statistics").json()["organisations"]

    duplicate = httpx.post(f"{registry}/organisations", json={"name": "harbour  city COUNCIL"})
    assert duplicate.status_code == 409
    assert "already in the network" in duplicate.json()["detail"]

    invalid = httpx.post(
        f"{registry}/organisations", json={"name": "X", "country": "Gbr", "colour": "red"}
    )
    assert invalid.status_code == 422
    assert set(invalid.json()["fields"]) == {"name", "country", "colour"}

    not_json = httpx.post(
        f"{registry}/organisations", content=b"{name:", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 422

    assert httpx.get(f"{registry}/organisations/org_000000000000").status_code == 404
    assert httpx.get(f"{registry}/organisations/..%2F..%2Fetc").status_code in (404, 422)

    time.sleep(1.0)  # give a wrongly published event the time to arrive
    assert httpx.get(f"{evaluation}/network/statistics").json()["organisations"] == count
