"""A reader of a whole topic with no consumer group: every partition assigned to this
process, nothing committed. For what each instance must read in full for itself (keys it
holds in memory, changes that make its own copies stale), where a group would share the
partitions out between instances."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.kafka.security import kafka_client_options

# How long to wait for a topic's partitions to be known (a topic created a moment ago).
PARTITIONS_WAIT_SECONDS = 30


async def assigned_reader(
    bootstrap: str, topic: str
) -> tuple[AIOKafkaConsumer, list[TopicPartition]]:
    """A started consumer with no group, assigned every partition `topic` has now; the
    caller seeks where to begin and stops it."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        **kafka_client_options(),
        group_id=None,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        async with asyncio.timeout(PARTITIONS_WAIT_SECONDS):
            partitions = consumer.partitions_for_topic(topic)
            while not partitions:
                await consumer._client.force_metadata_update()
                partitions = consumer.partitions_for_topic(topic)
    except BaseException:
        await consumer.stop()
        raise
    assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
    consumer.assign(assigned)
    return consumer, assigned
