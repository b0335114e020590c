"""End-to-end tests run the four services as real uvicorn processes on the real servers."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.localnet.processes import SERVICES, ServiceProcess, start_network, stop_network
from tests.servers import kafka_bootstrap, mongo_url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def network(
    servers: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ServiceProcess]]:
    """The four services, on free ports, with a network of their own (unique prefixes)."""
    tag = secrets.token_hex(4)
    env = {
        "MENTORNET_KAFKA_BOOTSTRAP": kafka_bootstrap(),
        "MENTORNET_MONGO_URL": mongo_url(),
        "MENTORNET_DB_PREFIX": f"e{tag}",
        "MENTORNET_TOPIC_PREFIX": f"e{tag}",
    }
    log_dir: Path = tmp_path_factory.mktemp("logs")
    processes = start_network(env, log_dir, ports={s: _free_port() for s in SERVICES})
    yield {p.service: p for p in processes}
    stop_network(processes)
