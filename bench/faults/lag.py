"""Consumer lag: for every consumer group of the network, the records on the topics it reads
that it has not committed past (end offsets minus committed offsets), read through the admin
API so the bench never joins a group."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.events.topics import contacts_topic, domain_topic
from shared.kafka.security import kafka_client_options

# Each consumer group and the services whose topics it reads (each service's app.py).
GROUPS: dict[str, tuple[str, ...]] = {
    "matching": ("registry", "sessions"),
    "sessions": ("registry", "matching"),
    "evaluation": ("registry", "matching", "sessions", "evaluation"),
    "notifications": ("registry", "matching", "sessions", "evaluation"),
}
CONTACTS_GROUP = "notifications.contacts"


def _topics(prefix: str) -> dict[str, list[str]]:
    topics = {
        f"{prefix}.{group}": [domain_topic(prefix, s) for s in sources]
        for group, sources in GROUPS.items()
    }
    topics[f"{prefix}.{CONTACTS_GROUP}"] = [contacts_topic(prefix)]
    return topics


async def lag(bootstrap: str, prefix: str) -> dict[str, int]:
    """Records not yet committed past, per group."""
    options = kafka_client_options()
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **options)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **options)
    await reader.start()
    await admin.start()
    try:
        behind: dict[str, int] = {}
        for group, topics in _topics(prefix).items():
            # The partitions from the broker itself: a consumer's cached metadata may not
            # know a topic it never subscribed to, and an empty list would read as no lag.
            described = await admin.describe_topics(topics)
            partitions = [
                TopicPartition(t["topic"], p["partition"])
                for t in described
                for p in t["partitions"]
            ]
            if {tp.topic for tp in partitions} != set(topics):
                raise RuntimeError(f"the broker does not describe every topic of {group} yet")
            ends = await reader.end_offsets(partitions)
            committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
            behind[group] = sum(
                end - max(committed[tp].offset if tp in committed else 0, 0)
                for tp, end in ends.items()
            )
        return behind
    finally:
        await admin.close()
        await reader.stop()


async def wait_for_zero(
    bootstrap: str, prefix: str, limit: float, say: Callable[[str], None]
) -> float | None:
    """Poll until every group's lag is zero twice in a row, a second apart; when it was first
    zero (monotonic), or None if it was not within `limit` seconds."""
    started = time.monotonic()
    zeros = 0
    zero_since = 0.0
    last_report = 0.0
    while time.monotonic() - started < limit:
        try:
            behind = await lag(bootstrap, prefix)
        except Exception as exc:  # the broker may be coming back: try again
            say(f"  lag unknown ({type(exc).__name__}); trying again")
            behind = {"?": 1}
        total = sum(behind.values())
        if total == 0 and zeros == 0:
            zero_since = time.monotonic()
        zeros = zeros + 1 if total == 0 else 0
        if zeros >= 2:
            return zero_since
        if time.monotonic() - last_report > 10:
            last_report = time.monotonic()
            say(f"  consumer lag {total}: {behind}")
        await asyncio.sleep(1)
    return None
