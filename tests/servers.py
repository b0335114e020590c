"""Where the real servers are, and a loud failure when they are not there."""

from __future__ import annotations

import os
import socket

import pytest

KAFKA = os.environ.get("MENTORNET_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
MONGO = os.environ.get("MENTORNET_MONGO_URL", "mongodb://127.0.0.1:27017/")


def _reachable(host_port: str) -> bool:
    host, port = host_port.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def require_servers() -> None:
    """Fail (not skip) when the real servers are missing."""
    mongo_host = MONGO.split("//", 1)[1].split("/", 1)[0]
    missing = [
        f"{name} at {addr}"
        for name, addr in (("Kafka", KAFKA), ("MongoDB", mongo_host))
        if not _reachable(addr)
    ]
    if missing:
        pytest.fail(
            f"integration tests need real servers; not reachable: {', '.join(missing)}. "
            "Run `./mentornet test`, which starts them.",
            pytrace=False,
        )
