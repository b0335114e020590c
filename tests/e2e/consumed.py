"""Waiting until a service has handled events: the positive signal a test waits for before it
checks that something did *not* happen (no second relationship, no mail).

A service's consumer commits a batch's offsets only once it has handled the batch (written its
state, decided its mail, queued its own events in the outbox), so when the service's consumer
group has committed past an event, the service has done all it will ever do with it. Waiting
for that makes a slow machine slower, never wrong; a fixed sleep does neither reliably.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import MongoClient

from shared.events.topics import domain_topic
from shared.kafka.security import kafka_client_options
from shared.mongo.outbox import marked_events, published_collection
from shared.mongo.outbox_staging import (
    OUTBOX_FIELD,
    pending_from,
    pending_from_batch,
    staged_collection,
)
from tests.e2e.conftest import World

# The offset just past the events a test is about, per partition of their topic.
Positions = dict[TopicPartition, int]

CONSUMED_SECONDS = 60.0


def past(records: Iterable[tuple[str, int, int]]) -> Positions:
    """The positions just past (topic, partition, offset) records, per partition."""
    positions: Positions = {}
    for topic, partition, offset in records:
        tp = TopicPartition(topic, partition)
        positions[tp] = max(positions.get(tp, 0), offset + 1)
    return positions


def topic_end(world: World, source: str) -> Positions:
    """The end of `source`'s topic right now, on every partition: past every event on it."""
    topic = domain_topic(world.env["MENTORNET_TOPIC_PREFIX"], source)

    async def ends() -> Positions:
        # Subscribed (without a group), the reader knows the topic's partitions once started.
        reader = AIOKafkaConsumer(
            topic,
            bootstrap_servers=world.env["MENTORNET_KAFKA_BOOTSTRAP"],
            **kafka_client_options(),
            group_id=None,
        )
        await reader.start()
        try:
            found = reader.partitions_for_topic(topic) or set()
            partitions = [TopicPartition(topic, p) for p in sorted(found)]
            assert partitions, f"no topic {topic}"
            return {
                tp: int(offset) for tp, offset in (await reader.end_offsets(partitions)).items()
            }
        finally:
            await reader.stop()

    return asyncio.run(ends())


def wait_consumed(
    world: World,
    service: str,
    positions: Mapping[TopicPartition, int],
    timeout: float = CONSUMED_SECONDS,
) -> None:
    """Wait until `service`'s consumer group has committed up to `positions` (it has handled
    every event before them); fail naming what is still unhandled after `timeout` seconds."""
    group = f"{world.env['MENTORNET_TOPIC_PREFIX']}.{service}"
    wanted = {tp: offset for tp, offset in positions.items() if offset > 0}

    async def wait() -> None:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=world.env["MENTORNET_KAFKA_BOOTSTRAP"], **kafka_client_options()
        )
        await admin.start()
        try:
            deadline = time.monotonic() + timeout
            while True:
                committed = await admin.list_consumer_group_offsets(group, partitions=list(wanted))
                behind = {
                    f"{tp.topic}[{tp.partition}]": (
                        committed[tp].offset if tp in committed else None,
                        offset,
                    )
                    for tp, offset in wanted.items()
                    if tp not in committed or committed[tp].offset < offset
                }
                if not behind:
                    return
                assert time.monotonic() < deadline, (
                    f"{service} has not handled the events after {timeout:.0f}s "
                    f"(committed, wanted): {behind}"
                )
                await asyncio.sleep(0.1)
        finally:
            await admin.close()

    asyncio.run(wait())


def wait_outbox_published(world: World, service: str, timeout: float = CONSUMED_SECONDS) -> None:
    """Wait until every event `service` has staged in its outbox is on Kafka (each has its
    marker in `<collection>__published`; shared/mongo/outbox.py), whether staged in its
    document or in a batch. After `wait_consumed`, this
    means whatever the service published in answer to the events is on its topic now."""
    base = f"{world.env['MENTORNET_DB_PREFIX']}_{service}"
    mongo: MongoClient[dict[str, Any]] = MongoClient(world.env["MENTORNET_MONGO_URL"])

    def pending() -> list[str]:
        unpublished: list[str] = []
        for name in mongo.list_database_names():
            if name != f"{base}_network" and not name.startswith(f"{base}_o_"):
                continue
            database = mongo[name]
            names = database.list_collection_names()
            for collection in names:
                if collection.endswith((published_collection(""), staged_collection(""))):
                    continue
                staged = {
                    p.event_id
                    for doc in database[collection].find(
                        {OUTBOX_FIELD: {"$gt": {}}}, projection={OUTBOX_FIELD: 1}
                    )
                    for p in pending_from(name, collection, doc)
                }
                if staged_collection(collection) in names:
                    staged |= {
                        p.event_id
                        for batch in database[staged_collection(collection)].find({})
                        for p in pending_from_batch(name, collection, batch)
                    }
                if staged:
                    marked = {
                        e
                        for m in database[published_collection(collection)].find({})
                        for e in marked_events(m)
                    }
                    unpublished += [f"{name}.{collection}:{e}" for e in staged - marked]
        return unpublished

    with mongo:
        deadline = time.monotonic() + timeout
        while left := pending():
            assert time.monotonic() < deadline, f"{service} has not published {left[:5]}"
            time.sleep(0.2)
