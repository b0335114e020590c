"""Kafka itself authenticates each service and lets it write only its own topics and read only
what it consumes: with the matching service's own credentials, a forged `match.accepted`-style
write to the registry's topic and a read of the contact details' topic are refused by the
broker, while its own topic works. Needs the local broker with users (deploy/local/kafka.sh,
KAFKA_AUTH=scram, as `./mentornet test` starts it)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import GroupAuthorizationFailedError, TopicAuthorizationFailedError

from deploy.localnet.kafka_users import client_env, prepare_network, users_dir
from shared.events.topics import contacts_topic, domain_topic
from shared.kafka.security import KafkaSecurity
from tests.servers import kafka_bootstrap


@pytest.fixture
def prefix() -> str:
    """A network of its own on the broker, its topics made and its services granted."""
    if users_dir() is None:
        pytest.fail(
            "this test needs a Kafka broker with users: deploy/local/kafka.sh (KAFKA_AUTH=scram) "
            "with MENTORNET_KAFKA_USERS_DIR and admin's login, as ./mentornet test sets them",
            pytrace=False,
        )
    prefix = f"a{secrets.token_hex(4)}"
    assert prepare_network({"MENTORNET_TOPIC_PREFIX": prefix}) > 0
    return prefix


def _as(service: str) -> dict[str, Any]:
    env = client_env(service)
    return KafkaSecurity(
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-512",
        username=env["MENTORNET_KAFKA_USERNAME"],
        password=env["MENTORNET_KAFKA_PASSWORD"],
    ).client_options()


@pytest.fixture
async def matching_producer() -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap(),
        **_as("matching"),
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=10000,
    )
    await producer.start()
    yield producer
    await producer.stop()


async def test_a_service_writes_its_own_topic_and_is_refused_on_another_services(
    prefix: str, matching_producer: AIOKafkaProducer
) -> None:
    await matching_producer.send_and_wait(domain_topic(prefix, "matching"), b"{}", key=b"k")
    with pytest.raises(TopicAuthorizationFailedError):
        await matching_producer.send_and_wait(domain_topic(prefix, "registry"), b"{}", key=b"k")


async def test_a_service_reads_what_it_consumes_and_is_refused_on_what_it_does_not(
    prefix: str,
) -> None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap(), **_as("matching"), enable_auto_commit=False
    )
    await consumer.start()
    try:
        # It consumes the registry's topic: reading it works (nothing there yet).
        consumer.assign([TopicPartition(domain_topic(prefix, "registry"), 0)])
        assert await consumer.getmany(timeout_ms=500) == {}
        # Members' contact details are for the notifications service alone.
        consumer.assign([TopicPartition(contacts_topic(prefix), 0)])
        with pytest.raises(TopicAuthorizationFailedError):
            await _poll_until_refused(consumer)
    finally:
        await consumer.stop()


async def test_a_service_cannot_join_another_services_consumer_group(prefix: str) -> None:
    consumer = AIOKafkaConsumer(
        domain_topic(prefix, "registry"),
        bootstrap_servers=kafka_bootstrap(),
        **_as("matching"),
        group_id=f"{prefix}.sessions",
        enable_auto_commit=False,
    )
    try:
        with pytest.raises(GroupAuthorizationFailedError):
            await _poll_until_refused(consumer, start=True)
    finally:
        await consumer.stop()


async def _poll_until_refused(consumer: AIOKafkaConsumer, *, start: bool = False) -> None:
    """Poll until the broker's refusal is raised (a timeout if it never is)."""
    if start:
        await consumer.start()
    async with asyncio.timeout(15):
        while True:
            await consumer.getmany(timeout_ms=500)
