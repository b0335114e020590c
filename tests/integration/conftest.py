"""Real Kafka and a real MongoDB-wire server, or a loud failure: never a skip.

`./mentornet test` starts both and exports MENTORNET_KAFKA_BOOTSTRAP and MENTORNET_MONGO_URL.
Every test gets its own topic and database prefixes, so tests never see each other's data.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pymongo import AsyncMongoClient

from shared.events.topics import topics_for
from shared.kafka.security import kafka_client_options
from shared.kafka.topics import ensure_topics
from shared.mongo.databases import Document
from shared.settings import ServiceSettings
from tests.servers import kafka_bootstrap, mongo_url


@pytest.fixture(autouse=True)
def _servers(servers: None) -> None:
    """Every integration test runs against the real servers."""


@pytest.fixture
def settings() -> ServiceSettings:
    """Settings pointing at the real servers, with prefixes unique to this test."""
    tag = secrets.token_hex(4)
    return ServiceSettings(
        kafka_bootstrap=kafka_bootstrap(),
        mongo_url=mongo_url(),
        db_prefix=f"t{tag}",
        topic_prefix=f"t{tag}",
        kafka_partitions=3,
        outbox_sweep_seconds=3600,
    )


@pytest.fixture
async def topics(settings: ServiceSettings) -> None:
    """The test network's topics exist before anything is produced to them."""
    await ensure_topics(
        kafka_bootstrap(),
        topics_for(settings.topic_prefix, "evaluation", settings.kafka_partitions),
        1,
    )


@pytest.fixture
async def mongo() -> AsyncIterator[AsyncMongoClient[Document]]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_url(), tz_aware=True)
    yield client
    await client.close()


@pytest.fixture
async def raw_producer() -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap(), **kafka_client_options(), acks="all"
    )
    await producer.start()
    yield producer
    await producer.stop()


async def read_topic(topic: str, expect: int, timeout: float = 20.0) -> list[object]:
    """Every record of `topic` from the start, waiting until at least `expect` arrive."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap(), **kafka_client_options(), enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = await _partitions(consumer, topic)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list[object] = []
        async with asyncio.timeout(timeout):
            while len(records) < expect:
                for batch in (await consumer.getmany(timeout_ms=200)).values():
                    records.extend(batch)
        # Anything beyond `expect` that is already there (e.g. an unwanted duplicate).
        for batch in (await consumer.getmany(timeout_ms=500)).values():
            records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    async with asyncio.timeout(10):
        while True:
            parts = consumer.partitions_for_topic(topic)
            if parts:
                return [TopicPartition(topic, p) for p in sorted(parts)]
            await consumer._client.force_metadata_update()
