"""Where the real servers are — given, started with testcontainers, or a loud failure.

1. `MENTORNET_KAFKA_BOOTSTRAP` / `MENTORNET_MONGO_URL` set (as `./mentornet test` does, after
   starting local servers): use them.
2. Otherwise, with a Docker engine: start Kafka (KRaft) and MongoDB with testcontainers, once
   per test session.
3. Otherwise: fail, saying how to get them. Never skip.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator

import pytest

KAFKA_ENV = "MENTORNET_KAFKA_BOOTSTRAP"
MONGO_ENV = "MENTORNET_MONGO_URL"


def kafka_bootstrap() -> str:
    """The brokers the tests use."""
    return os.environ.get(KAFKA_ENV, "127.0.0.1:9092")


def mongo_url() -> str:
    """The MongoDB-wire server the tests use."""
    return os.environ.get(MONGO_ENV, "mongodb://127.0.0.1:27017/")


def _reachable(host_port: str) -> bool:
    host, port = host_port.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def require_servers() -> None:
    """Fail (not skip) when the real servers are missing."""
    mongo_host = mongo_url().split("//", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
    missing = [
        f"{name} at {addr}"
        for name, addr in (("Kafka", kafka_bootstrap()), ("MongoDB", mongo_host))
        if not _reachable(addr)
    ]
    if missing:
        pytest.fail(
            f"integration tests need real servers; not reachable: {', '.join(missing)}. "
            "Run `./mentornet test`, which starts them (or run pytest where a Docker engine "
            "is available, and testcontainers starts them).",
            pytrace=False,
        )


def _docker_engine() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:
        return False
    return True


@contextlib.contextmanager
def provisioned() -> Iterator[None]:
    """Make the servers available for the session (see the module docstring)."""
    if (os.environ.get(KAFKA_ENV) and os.environ.get(MONGO_ENV)) or not _docker_engine():
        yield
        return
    from testcontainers.community.kafka import KafkaContainer
    from testcontainers.community.mongodb import MongoDbContainer

    with (
        KafkaContainer("confluentinc/cp-kafka:7.9.0").with_kraft() as kafka,
        MongoDbContainer("mongo:7.0") as mongo,
    ):
        os.environ[KAFKA_ENV] = kafka.get_bootstrap_server()
        os.environ[MONGO_ENV] = mongo.get_connection_url()
        try:
            yield
        finally:
            del os.environ[KAFKA_ENV], os.environ[MONGO_ENV]
