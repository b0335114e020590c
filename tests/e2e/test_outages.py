"""With Kafka down, writes still succeed and are published once Kafka is back; with the
database down, requests answer 503 with `Retry-After` within 10 s and are served again once it
is back. No operator action in either case (docs/operations.md, "When Kafka or the database is
down").

This test stops and starts servers, so it runs its own: a Kafka and a FerretDB started by
`deploy/local/kafka.sh` and `deploy/local/mongo.sh` on free ports with data in a temporary
directory (never the shared ones), the registry (which publishes) and matching (which consumes
the registry's topic) as uvicorn processes against them, and the network office's example
provider for a co-ordinator signed in through it.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from deploy.localnet.identity import (
    Person,
    bearer,
    bootstrap_coordinator,
    sign_in_tokens,
    start_provider,
)
from deploy.localnet.kafka_users import launcher_env
from deploy.localnet.processes import ServiceProcess, start_network, stop_network
from shared.events.topics import domain_topic
from shared.kafka.security import kafka_client_options
from shared.secrets import new_secret_key
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
ANSWER_WITHIN = 10.0  # the longest a request may take while a server is down


@dataclass
class OwnServers:
    """A Kafka and a MongoDB-wire server of this test's own, stopped and started at will."""

    env: dict[str, str]  # what the start scripts read: ports and data directories
    kafka: str
    mongo: str

    def kafka_sh(self, command: str) -> None:
        """Run `deploy/local/kafka.sh <command>` on this test's Kafka."""
        _script("kafka.sh", command, self.env)

    def mongo_sh(self, command: str) -> None:
        """Run `deploy/local/mongo.sh <command>` on this test's database."""
        _script("mongo.sh", command, self.env)


def _script(name: str, command: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(REPO / "deploy" / "local" / name), command],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, f"{name} {command}:\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def own_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnServers]:
    state = tmp_path_factory.mktemp("outage-servers")
    kafka_port, mongo_port = free_port(), free_port()
    env = {
        "MENTORNET_STATE": str(state),
        "KAFKA_PORT": str(kafka_port),
        "KAFKA_CONTROLLER_PORT": str(free_port()),
        "KAFKA_DATA_DIR": str(state / "kafka"),
        "KAFKA_HEAP_OPTS": "-Xmx512m -Xms128m",
        "MONGO_PORT": str(mongo_port),
        "MONGO_DATA_DIR": str(state / "mongo"),
    }
    servers = OwnServers(env, f"127.0.0.1:{kafka_port}", f"mongodb://127.0.0.1:{mongo_port}/")
    try:
        servers.mongo_sh("start")
        servers.kafka_sh("start")
        with pytest.MonkeyPatch.context() as patch:
            _sign_in_as_its_admin(patch, state / "kafka" / "users")
            try:
                yield servers
            finally:
                patch.undo()
                kafka_client_options.cache_clear()  # back to the suite's own broker
    finally:
        servers.kafka_sh("stop")
        servers.mongo_sh("stop")


def _sign_in_as_its_admin(patch: pytest.MonkeyPatch, users: Path) -> None:
    """This test's clients sign in to its own broker as that broker's admin, and the services
    as themselves (as `./mentornet` arranges for its broker)."""
    for name, value in launcher_env(users).items():
        patch.setenv(name, value)
    kafka_client_options.cache_clear()  # read once per process: read this broker's now


@dataclass
class Network:
    """The registry and matching on the test's own servers, and a co-ordinator's token."""

    registry: ServiceProcess
    matching: ServiceProcess
    env: dict[str, str]
    coordinator: dict[str, Any]


@pytest.fixture(scope="module")
def network(own_servers: OwnServers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    work_dir = tmp_path_factory.mktemp("outage-network")
    ports = {"registry": free_port(), "matching": free_port()}
    registry_url = f"http://127.0.0.1:{ports['registry']}"
    env = {
        "MENTORNET_KAFKA_BOOTSTRAP": own_servers.kafka,
        "MENTORNET_MONGO_URL": own_servers.mongo,
        "MENTORNET_DB_PREFIX": "outage",
        "MENTORNET_TOPIC_PREFIX": "outage",
        "MENTORNET_SECRET_KEY": new_secret_key(),
        "MENTORNET_PUBLIC_URL": registry_url,
        "MENTORNET_ACCESS_TOKEN_SECONDS": "3600",
    }
    person = Person("coordinator", "coordinator@network-office.example", "Nia Coord")
    office = start_provider("Network Office sign-in", free_port(), work_dir, registry_url, [person])
    processes: list[ServiceProcess] = []
    try:
        processes = start_network(env, work_dir, ports=ports, services=("registry", "matching"))
        office_id = bootstrap_coordinator(env, office, person.email)
        coordinator = sign_in_tokens(registry_url, office_id, person)
        registry, matching = processes
        yield Network(registry, matching, env, coordinator)
    finally:
        stop_network(processes)
        office.process.stop()


def eventually(check: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    """Poll until `check()` holds: the servers take their time to come back on a busy machine."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError(f"not true after {timeout:.0f}s: {what}")


def _ready(process: ServiceProcess) -> tuple[int, dict[str, bool]]:
    answer = httpx.get(f"{process.url}/readyz", timeout=ANSWER_WITHIN)
    return answer.status_code, answer.json()["checks"]


def _register(http: httpx.Client, registry: str, name: str) -> httpx.Response:
    return http.post(f"{registry}/organisations", json=_profile(name))


def test_with_kafka_down_writes_succeed_and_are_published_once_when_it_returns(
    own_servers: OwnServers, network: Network
) -> None:
    registry = network.registry.url
    with httpx.Client(headers=bearer(network.coordinator), timeout=ANSWER_WITHIN) as http:
        own_servers.kafka_sh("stop")
        try:
            started = time.monotonic()
            joined = _register(http, registry, "Rata Engineering")
            took = time.monotonic() - started
            print(f"kafka down: POST /organisations -> {joined.status_code} in {took:.2f} s")
            assert joined.status_code == 201, joined.text
            assert took < ANSWER_WITHIN
            organisation_id = joined.json()["id"]
            status, checks = _ready(network.registry)
            assert status == 503
            assert checks["kafka"] is False
            assert checks["mongodb"] is True
            status, checks = _ready(network.matching)
            assert (status, checks["kafka"]) == (503, False)
        finally:
            own_servers.kafka_sh("start")

        eventually(lambda: _ready(network.registry)[0] == 200, "the registry ready again")
        eventually(lambda: _ready(network.matching)[0] == 200, "matching ready again")

        def matching_knows_it() -> bool:
            """matching's consumer heard `organisation.joined` after the broker came back"""
            known = http.get(f"{network.matching.url}/organisations")
            return known.status_code == 200 and organisation_id in {o["id"] for o in known.json()}

        eventually(matching_knows_it, "matching heard the organisation join")
    joined_events = [
        e
        for e in asyncio.run(_envelopes(own_servers.kafka, domain_topic("outage", "registry")))
        if e["type"] == "organisation.joined" and e["subject"] == organisation_id
    ]
    assert len(joined_events) == 1, joined_events


def test_with_the_database_down_requests_answer_503_soon_and_are_served_when_it_returns(
    own_servers: OwnServers, network: Network
) -> None:
    registry, matching = network.registry.url, network.matching.url
    with httpx.Client(headers=bearer(network.coordinator), timeout=30) as http:
        known = _register(http, registry, "Kauri Engineering")
        assert known.status_code == 201, known.text
        organisation_id = known.json()["id"]
        own_servers.mongo_sh("stop")
        try:
            for method, url, body in (
                ("POST", f"{registry}/organisations", _profile("Totara Engineering")),
                ("GET", f"{registry}/organisations/{organisation_id}", None),
                ("GET", f"{matching}/organisations", None),
            ):
                started = time.monotonic()
                answer = http.request(method, url, json=body)
                took = time.monotonic() - started
                print(f"database down: {method} {url} -> {answer.status_code} in {took:.2f} s")
                assert answer.status_code == 503, (method, url, answer.text)
                assert took < ANSWER_WITHIN, (method, url, took)
                assert int(answer.headers["retry-after"]) > 0
                assert answer.json()["error"] == "unavailable"
            status, checks = _ready(network.registry)
            assert (status, checks["mongodb"]) == (503, False)
        finally:
            own_servers.mongo_sh("start")

        def registers_again() -> bool:
            """the registry takes a new organisation again"""
            return _register(http, registry, "Totara Engineering").status_code == 201

        eventually(registers_again, "the registry served again")
        again = http.get(f"{registry}/organisations/{organisation_id}")
        assert again.status_code == 200, again.text
        eventually(lambda: _ready(network.registry)[0] == 200, "the registry ready again")
        eventually(lambda: _ready(network.matching)[0] == 200, "matching ready again")
        assert http.get(f"{matching}/organisations").status_code == 200


def _profile(name: str) -> dict[str, Any]:
    domain = name.split()[0].lower()
    return {
        "name": name,
        "sector": "engineering",
        "country": "NZ",
        "admin_emails": [f"lead@{domain}.example"],
    }


async def _envelopes(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """Every envelope on `topic`, from its beginning to its end as it is now."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
        **kafka_client_options(),
    )
    await consumer.start()
    try:
        async with asyncio.timeout(30):
            while not consumer.assignment():
                await consumer.getmany(timeout_ms=200)
            end = await consumer.end_offsets(list(consumer.assignment()))
            found: list[dict[str, Any]] = []
            while [tp for tp, at in end.items() if await consumer.position(tp) < at]:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    found.extend(json.loads(r.value) for r in records if r.value is not None)
            return found
    finally:
        await consumer.stop()
