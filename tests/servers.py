"""Where the real servers are — given, started with testcontainers, or a loud failure.

1. With a Docker engine: MongoDB proper from testcontainers, once per test session, even when
   `MENTORNET_MONGO_URL` names another server (unless `MENTORNET_TEST_MONGO=given`), so the
   suite exercises MongoDB's paths — guards in the update's filter, numbered walks by range,
   declared indexes — which FerretDB never takes. Kafka (KRaft) too, unless
   `MENTORNET_KAFKA_BOOTSTRAP` is set.
2. Otherwise `MENTORNET_KAFKA_BOOTSTRAP` / `MENTORNET_MONGO_URL` (as `./mentornet test` sets
   them after starting local servers: FerretDB here). Mailpit (the SMTP server the
   notifications service sends to, read back through its HTTP API) is always given:
   `MENTORNET_SMTP_HOST`, `MENTORNET_SMTP_PORT` and `MENTORNET_MAILPIT_URL`
   (`deploy/local/mailpit.sh start`).
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
SMTP_HOST_ENV = "MENTORNET_SMTP_HOST"
SMTP_PORT_ENV = "MENTORNET_SMTP_PORT"
MAILPIT_ENV = "MENTORNET_MAILPIT_URL"
TEST_MONGO_ENV = "MENTORNET_TEST_MONGO"  # "given": keep MENTORNET_MONGO_URL's server


def kafka_bootstrap() -> str:
    """The brokers the tests use."""
    return os.environ.get(KAFKA_ENV, "127.0.0.1:9092")


def mongo_url() -> str:
    """The MongoDB-wire server the tests use."""
    return os.environ.get(MONGO_ENV, "mongodb://127.0.0.1:27017/")


def smtp_address() -> tuple[str, int]:
    """Where the services send e-mail (Mailpit's SMTP port)."""
    return os.environ.get(SMTP_HOST_ENV, "127.0.0.1"), int(os.environ.get(SMTP_PORT_ENV, "1025"))


def mailpit_url() -> str:
    """Mailpit's web inbox and HTTP API, where the tests read the e-mail back."""
    return os.environ.get(MAILPIT_ENV, "http://127.0.0.1:8025").rstrip("/")


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
    smtp_host, smtp_port = smtp_address()
    mailpit_host = mailpit_url().split("//", 1)[-1].split("/", 1)[0]
    missing = [
        f"{name} at {addr}"
        for name, addr in (
            ("Kafka", kafka_bootstrap()),
            ("MongoDB", mongo_host),
            ("Mailpit's SMTP", f"{smtp_host}:{smtp_port}"),
            ("Mailpit's HTTP API", mailpit_host),
        )
        if not _reachable(addr)
    ]
    if missing:
        pytest.fail(
            f"integration tests need real servers; not reachable: {', '.join(missing)}. "
            "Run `./mentornet test`, which starts them (or run pytest where a Docker engine "
            "is available, and testcontainers starts Kafka and MongoDB; Mailpit comes from "
            "`deploy/local/mailpit.sh start` with MENTORNET_SMTP_PORT and "
            "MENTORNET_MAILPIT_URL naming its ports).",
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
    if os.environ.get(TEST_MONGO_ENV) == "given" or not _docker_engine():
        yield
        return
    from testcontainers.community.kafka import KafkaContainer
    from testcontainers.community.mongodb import MongoDbContainer

    given = {name: os.environ.get(name) for name in (KAFKA_ENV, MONGO_ENV)}
    with contextlib.ExitStack() as containers:
        mongo = containers.enter_context(MongoDbContainer("mongo:7.0"))
        os.environ[MONGO_ENV] = mongo.get_connection_url()
        if not given[KAFKA_ENV]:
            kafka = containers.enter_context(
                KafkaContainer("confluentinc/cp-kafka:7.9.0").with_kraft()
            )
            os.environ[KAFKA_ENV] = kafka.get_bootstrap_server()
        try:
            yield
        finally:
            for name, value in given.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
